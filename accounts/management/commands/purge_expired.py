from django.core.management.base import BaseCommand

from accounts.housekeeping import purge_expired


class Command(BaseCommand):
    help = (
        "Marque les jetons expirés, supprime les jetons morts depuis 7 jours, les captchas et sessions expirés "
        "et les courriels envoyés au-delà de OUTBOX_RETENTION_DAYS (la tâche périodique fait de même)."
    )

    def handle(self, *args, **options):
        counts = purge_expired()
        sessions = "non comptées" if counts["sessions"] is None else counts["sessions"]
        self.stdout.write(
            f"{counts['tokens_expired']} jeton(s) marqué(s) expiré(s), {counts['tokens_deleted']} jeton(s) "
            f"supprimé(s), {counts['captchas']} captcha(s), sessions supprimées : {sessions}, "
            f"{counts['outbox']} courriel(s) supprimé(s)."
        )
