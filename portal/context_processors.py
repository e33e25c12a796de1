from .models import Announcement


def announcements(request):
    """The published information banners, shown at the top of every public page."""
    return {"announcements": Announcement.objects.published()}
