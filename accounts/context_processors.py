from django.conf import settings
from django.utils.functional import SimpleLazyObject


def accounts(request):
    from accounts.adapter import invitation_in_session

    return {
        "signup_open": settings.SIFT_OPEN_SIGNUP,
        "invitation": SimpleLazyObject(lambda: invitation_in_session(request)),
    }
