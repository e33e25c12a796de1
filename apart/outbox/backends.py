"""Django's SMTP backend, waiting longer for the one reply after which a timeout can double an e-mail.

When the sender gives up waiting for the reply to the end of the data (« . »), the server may have accepted the
message all the same: the row stays pending and is sent again, a second copy (under the same Message-ID). RFC 5321
(4.5.3.2.6) asks the client to wait 10 minutes for that reply for this reason. Every other step keeps
EMAIL_TIMEOUT (a server that does not answer is found out in seconds); that one waits OUTBOX_SMTP_DATA_TIMEOUT,
kept under the row's lease (OUTBOX_SEND_LEASE_SECONDS), so that no other sender takes the row meanwhile.
"""

import smtplib

from django.conf import settings
from django.core.mail.backends import smtp


def end_of_data_timeout() -> float:
    return max(min(settings.OUTBOX_SMTP_DATA_TIMEOUT, settings.OUTBOX_SEND_LEASE_SECONDS - 30), 1)


class _PatientEndOfData:
    _in_data = False

    def data(self, msg):
        self._in_data = True
        try:
            return super().data(msg)
        finally:
            self._in_data = False
            if self.sock is not None:
                self.sock.settimeout(self.timeout)

    def send(self, s):
        super().send(s)
        # smtplib.SMTP.data sends the whole message, ending with « CRLF . CRLF », then reads the reply.
        if self._in_data and isinstance(s, bytes) and s.endswith(b"\r\n.\r\n") and self.sock is not None:
            self.sock.settimeout(max(end_of_data_timeout(), self.timeout or 0))


class PatientSMTP(_PatientEndOfData, smtplib.SMTP):
    pass


class PatientSMTPSSL(_PatientEndOfData, smtplib.SMTP_SSL):
    pass


class EmailBackend(smtp.EmailBackend):
    @property
    def connection_class(self):
        return PatientSMTPSSL if self.use_ssl else PatientSMTP
