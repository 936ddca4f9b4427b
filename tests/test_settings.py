"""Settings profiles: a batch run's (CLI, Ray) and the taxonomies a server answers with."""

from __future__ import annotations

from logsieve.settings import BATCH_EMBED_TIMEOUT_S, Settings


def test_a_batch_run_waits_for_the_encoder_and_does_not_retry_it() -> None:
    service = Settings(_env_file=None)  # type: ignore[call-arg]
    batch = service.for_batch()
    assert service.embed_timeout_s == 4.0 and service.embed_retries == 2  # seed 001's
    assert batch.embed_timeout_s == BATCH_EMBED_TIMEOUT_S and batch.embed_retries == 0
    assert batch.for_batch().embed_timeout_s == BATCH_EMBED_TIMEOUT_S  # the same profile
    assert service.for_batch(embed_timeout_s=12.5).embed_timeout_s == 12.5  # a user's own
    # the encoder's threads: the run's share of the cores, unless the settings name theirs
    assert service.for_batch(encoder_threads=1).encoder_threads == 1
    named = Settings(_env_file=None, encoder_threads=2)  # type: ignore[call-arg]
    assert named.for_batch(encoder_threads=1).encoder_threads == 2
    # the encoder loaded when a line first needs it, unless the settings say otherwise
    assert batch.encoder_lazy is True and not service.encoder_lazy
    eager = Settings(_env_file=None, encoder_lazy=False)  # type: ignore[call-arg]
    assert eager.for_batch().encoder_lazy is False
    # everything else is left as it was
    changed = {"embed_timeout_s", "embed_retries", "encoder_lazy"}
    assert batch.model_dump(exclude=changed) == service.model_dump(exclude=changed)


def test_the_taxonomies_a_server_answers_with() -> None:
    def extra(value: str | None) -> list[str]:
        return Settings(_env_file=None, serve_taxonomies=value).extra_taxonomies  # type: ignore[call-arg]

    assert extra(None) == ["standard", "openstack"]  # every built-in one
    assert extra("") == []
    assert extra(" openstack , my.yaml,openstack") == ["openstack", "my.yaml"]
