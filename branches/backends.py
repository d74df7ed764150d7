from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend


class AuthenticationBackend(AllauthBackend):
    """allauth's backend (username, e-mail or phone), loading the member record with the user.

    Nearly every page needs `user.member`; one join saves a query per request.
    """

    def get_user(self, user_id):
        user_model = self._get_user_model()
        try:
            user = user_model._default_manager.select_related("member__organization").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    @staticmethod
    def _get_user_model():
        from django.contrib.auth import get_user_model

        return get_user_model()
