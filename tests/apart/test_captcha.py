"""The security checks of the public forms: one answer, one pass, even when submitted twice at the same moment."""

import contextlib
import threading
from unittest import mock

import pytest
from captcha.models import CaptchaStore
from django import forms
from django.db import connection

from apart.captcha import OPERATION_GENERATOR, code_captcha_field, operation_captcha_field


def _form(make_field):
    return type("CaptchaForm", (forms.Form,), {"captcha": make_field()})


@pytest.mark.django_db
@pytest.mark.parametrize("make_field", [operation_captcha_field, code_captcha_field])
def test_an_answer_passes_once_and_a_wrong_one_voids_the_challenge(make_field):
    form_class = _form(make_field)
    key = CaptchaStore.generate_key(OPERATION_GENERATOR)
    answer = CaptchaStore.objects.get(hashkey=key).response

    assert form_class({"captcha_0": key, "captcha_1": f" {answer} "}).is_valid()
    assert not form_class({"captcha_0": key, "captcha_1": answer}).is_valid()  # already used

    other = CaptchaStore.generate_key(OPERATION_GENERATOR)
    right = CaptchaStore.objects.get(hashkey=other).response
    assert not form_class({"captcha_0": other, "captcha_1": "99"}).is_valid()
    assert not form_class({"captcha_0": other, "captcha_1": right}).is_valid()  # one attempt per challenge
    assert not CaptchaStore.objects.filter(hashkey__in=[key, other]).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("make_field", [operation_captcha_field, code_captcha_field])
def test_two_submissions_of_one_answer_at_the_same_moment_pass_once(make_field):
    form_class = _form(make_field)
    key = CaptchaStore.generate_key(OPERATION_GENERATOR)
    answer = CaptchaStore.objects.get(hashkey=key).response
    # Both workers have read the challenge before either removes it (the window a plain read-then-delete leaves).
    meeting = threading.Barrier(2, timeout=3)
    delete = CaptchaStore.delete

    def delete_after_the_other_read(self, *args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            meeting.wait()
        return delete(self, *args, **kwargs)

    results = []

    def submit():
        try:
            results.append(form_class({"captcha_0": key, "captcha_1": answer}).is_valid())
        finally:
            connection.close()

    with mock.patch.object(CaptchaStore, "delete", delete_after_the_other_read):
        threads = [threading.Thread(target=submit) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    assert sorted(results) == [False, True]
