"""Who is acting: one rule (flag, CURATOR_USER, saved name, login name) for every front end."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from curator.core import identity
from curator.core.identity import chosen_actor, current_actor


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CURATOR_USER", raising=False)
    monkeypatch.setattr(identity, "login_name", lambda: "login")


def test_the_explicit_name_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURATOR_USER", "env")
    assert current_actor("flag", "saved") == "flag"


def test_the_environment_comes_before_the_saved_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURATOR_USER", "env")
    assert current_actor(None, "saved") == "env"


def test_the_saved_name_comes_before_the_login_name() -> None:
    assert current_actor(None, "saved") == "saved"
    assert current_actor() == "login"


def test_blank_names_do_not_count_and_spaces_are_tidied() -> None:
    assert current_actor("   ", "  Ada   Lovelace ") == "Ada Lovelace"
    assert chosen_actor("", None) is None


def test_unknown_only_when_nothing_names_anyone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity, "login_name", lambda: None)
    assert current_actor() == "unknown"


def test_the_cli_records_the_global_as_option(tmp_path, write) -> None:  # type: ignore[no-untyped-def]
    from curator.cli import cli
    from curator.core.store import Store

    data = write("a.jsonl", '{"messages": [{"role": "user", "content": "hi"}, '
                            '{"role": "assistant", "content": "hello"}]}\n')
    project = tmp_path / "p.curator"
    runner = CliRunner()
    result = runner.invoke(cli, ["--as", "alice", "import", str(project), str(data)],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["settings", str(project), "profile", '"openai"'],
                           env={"CURATOR_USER": "bob"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with Store.open(project) as store:
        actors = [(e["action"], e["actor"]) for e in store.events()]
    assert ("import", "alice") in actors and actors[-1][1] == "bob"
