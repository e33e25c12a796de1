"""Actions run at the same moment, each in a thread of its own with its own database connection (PostgreSQL):
the races the services' locks and constraints must win."""

import threading

from django.db import connection


def at_once(*actions) -> list:
    """Run `actions` together (one thread each, released by one barrier); what each returned, or the exception it
    raised, in the order given. A thread still running after a minute fails the test."""
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(10)
            outcomes[index] = action()
        except Exception as error:  # returned to the test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive(), "une action concurrente ne s'est pas terminée en une minute"
    return outcomes


def race(*actions) -> None:
    """Run `actions` together; none may raise."""
    failures = [outcome for outcome in at_once(*actions) if isinstance(outcome, Exception)]
    assert failures == []
