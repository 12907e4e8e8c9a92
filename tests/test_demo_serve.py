"""The main job, as a new user runs it: `romareact demo --no-serve`, then `romareact serve`."""

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from local_servers import romareact_serve


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("demo")
    result = subprocess.run(
        [
            sys.executable,
            "-P",
            "-m",
            "romareact",
            "demo",
            "--no-serve",
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return data_dir, result.stdout


def test_demo_prints_the_summary(demo_dir):
    _, output = demo_dir
    match = re.search(
        r"demo: (\d+) items fetched, (\d+) relevant, (\d+) placed, (\d+) unresolved", output
    )
    assert match, output
    assert tuple(map(int, match.groups())) == (34, 24, 24, 0)


def test_demo_writes_the_map(demo_dir):
    data_dir, _ = demo_dir
    assert "L.markerClusterGroup" in (data_dir / "map" / "index.html").read_text("utf-8")
    markers = (data_dir / "map" / "data" / "markers.js").read_text(encoding="utf-8")
    assert '"count": 24' in markers
    geojson = json.loads((data_dir / "map" / "events.geojson").read_text(encoding="utf-8"))
    assert len(geojson["features"]) == 24


def _get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode("utf-8")


def test_serve_answers_with_datasette_and_the_map(demo_dir):
    data_dir, _ = demo_dir
    with romareact_serve(data_dir) as base:
        status, _ = _get(base + "/")
        assert status == 200
        status, page = _get(base + "/map")
        assert status == 200 and "L.markerClusterGroup" in page
        status, markers = _get(base + "/map/data/markers.js")
        assert status == 200 and '"count": 24' in markers
        status, body = _get(base + "/public/events.json?_shape=array&_size=max")
        assert len(json.loads(body)) == 24
        with pytest.raises(urllib.error.HTTPError) as refused:
            _get(base + "/newsroom/items.json")
        assert refused.value.code == 403
        refused.value.close()
