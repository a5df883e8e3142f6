from django.dispatch import Signal

# Sent after the transaction commits, for every action on a dossier: kwargs dossier_id, event_id.
# Notifications and payments listen; dossiers never import them.
dossier_changed = Signal()
