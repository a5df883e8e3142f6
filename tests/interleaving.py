"""Forcing an interleaving of two pieces of work on the database, for tests of races."""


class ChangeAfterRead:
    """A query wrapper (``connection.execute_wrapper``): right after the first ``SELECT`` that reads ``table``,
    ``change()`` runs and commits, before the code that read the row goes on. It stands for another request or an
    administrator acting between that read and what the reader does next."""

    def __init__(self, table: str, change):
        self.table, self.change, self.done = table, change, False

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not self.done and sql.lstrip().startswith("SELECT") and f'FROM "{self.table}"' in sql:
            self.done = True
            self.change()
        return result
