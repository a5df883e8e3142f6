"""Digital signatures: the agency's seal on issued documents, the leader's signature on results, verification."""
