"""The manifold-explorer command line."""

import pytest

from engine.data.formats import MAX_UPLOAD_MB
from explorer.cli import APP, build_command, config_options


def _opt(cmd, name):
    return cmd[cmd.index(name) + 1]


def test_binds_loopback_by_default():
    cmd = build_command([])
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == str(APP)
    assert _opt(cmd, "--server.address") == "127.0.0.1"
    assert _opt(cmd, "--server.port") == "8501"
    assert _opt(cmd, "--server.headless") == "false"


def test_host_port_and_no_browser():
    cmd = build_command(["--host", "0.0.0.0", "--port", "9000", "--no-browser"])
    assert _opt(cmd, "--server.address") == "0.0.0.0"
    assert _opt(cmd, "--server.port") == "9000"
    assert _opt(cmd, "--server.headless") == "true"


@pytest.mark.parametrize("port", ["0", "70000", "x"])
def test_bad_port_is_refused(port):
    with pytest.raises(SystemExit):
        build_command(["--port", port])


def test_every_config_setting_is_passed_once_and_the_command_line_wins():
    cmd = build_command(["--no-browser"])
    for name, _ in config_options():
        assert cmd.count(name) == 1, name
    assert _opt(cmd, "--server.maxUploadSize") == str(MAX_UPLOAD_MB)
    assert _opt(cmd, "--runner.enforceSerializableSessionState") == "true"
    assert _opt(cmd, "--theme.primaryColor") == "#0072B2"
    assert _opt(cmd, "--runner.magicEnabled") == "false"
    assert _opt(cmd, "--server.headless") == "true"  # config says true; --no-browser decides
    assert _opt(build_command([]), "--server.headless") == "false"
