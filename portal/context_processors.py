from django.conf import settings


def site(request):
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PORTAL_AUTHORITY": settings.PORTAL_AUTHORITY,
        "UPLOAD_MAX_BYTES": settings.DOSSIER_MAX_FILE_SIZE,
    }
