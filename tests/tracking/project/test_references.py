import io
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import box

from tests.helpers.scar_project import DATES, GRID, scar_mask, write_truth
from tracking.core.errors import InputError
from tracking.project import references
from tracking.project.state import SamplePaths


def zipped(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_of_masks_is_extracted_flat_and_scored(project, tmp_path):
    truth = write_truth(tmp_path / "t", n=2)
    data = zipped({f"deep/er/{p.name}": p.read_bytes() for p in truth.iterdir()} | {"../evil.tif": b"x"})
    path = references.save_reference_upload(project, "truth.zip", data)
    assert path.is_dir() and sorted(p.name for p in path.iterdir()) == [f"{d}.tif" for d in DATES[:2]]
    assert not (project.root / "evil.tif").exists() and not (project.root.parent / "evil.tif").exists()
    assert references.reference_path(project) == path
    assert project.meta.reference == "reference/truth_masks"
    from tracking.core.track import Track

    track = Track.empty(len(DATES), GRID.shape)
    obj = track.obj(1)
    for i in range(len(DATES)):
        obj.masks[i] = scar_mask(i)
    rows, unmatched = references.score(project, track, GRID, DATES)
    assert [r["date"] for r in rows] == DATES[:2] and all(r["iou"] == 1.0 for r in rows)
    assert unmatched == []


def test_zipped_shapefile_and_geojson_are_kept_as_vector_files(project, tmp_path):
    gdf = gpd.GeoDataFrame({"date": ["2018-05-01"]}, geometry=[box(400100, 3399700, 400300, 3399900)],
                           crs="EPSG:32648")
    gdf.to_file(tmp_path / "ref.shp")
    parts = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.stem == "ref"}
    path = references.save_reference_upload(project, "ref.zip", zipped(parts))
    assert path.name == "ref.zip" and path.is_file()
    gdf.to_file(tmp_path / "ref.geojson")
    path = references.save_reference_upload(project, "ref.geojson", (tmp_path / "ref.geojson").read_bytes())
    assert path.name == "ref.geojson"
    assert not (project.root / "reference" / "ref.zip").exists()  # one reference at a time
    from tracking.analysis.reference import load_reference

    masks = load_reference(path, GRID)
    assert list(masks) == [DATES[0]] and masks[DATES[0]].sum() == 20 * 20


@pytest.mark.parametrize("name, data, words", [
    ("notes.txt", b"hello", "not a reference file"),
    ("empty.zip", zipped({"readme.md": b"x"}), "holds no mask rasters"),
    ("broken.zip", b"PK\x03\x04 not really", "not a readable zip"),
])
def test_unusable_uploads_say_why_naming_the_file(project, name, data, words):
    with pytest.raises(InputError, match=words) as err:
        references.save_reference_upload(project, name, data)
    assert name in str(err.value)
    assert references.reference_path(project) is None


def test_sample_truth_needs_a_sample_project_and_clear_forgets(project, tmp_path):
    with pytest.raises(InputError, match="not made from the sample"):
        references.use_sample_truth(project)
    project.meta.sample = SamplePaths(truth_dir=write_truth(tmp_path / "truth", n=1))
    assert references.use_sample_truth(project) == tmp_path / "truth"
    references.clear_reference(project)
    assert references.reference_path(project) is None
    with pytest.raises(InputError, match="No reference"):
        references.score(project, None, GRID, DATES)


def test_reference_upload_respects_the_project_limits(project, monkeypatch):
    monkeypatch.setenv("LANDSLIDE_UPLOAD_MB", "0.001")  # 1 kB per file
    with pytest.raises(InputError, match="big.geojson is"):
        references.save_reference_upload(project, "big.geojson", b"x" * 5000)
    monkeypatch.setenv("LANDSLIDE_UPLOAD_MB", "10")
    monkeypatch.setenv("LANDSLIDE_PROJECT_DISK_MB", "0.01")  # 10 kB for the whole project
    bomb = zipped({"2018-05-01.tif": b"\0" * 200_000})  # small zipped, 200 kB unpacked
    with pytest.raises(InputError, match="disk"):
        references.save_reference_upload(project, "masks.zip", bomb)
    assert not (project.root / "reference").exists() or not any((project.root / "reference").iterdir())


def test_with_the_grid_an_unreadable_reference_is_refused_and_not_kept(project):
    no_dates = b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "a"}, ' \
               b'"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}]}'
    with pytest.raises(InputError, match="no date column"):
        references.save_reference_upload(project, "ref.geojson", no_dates, grid=GRID)
    assert references.reference_path(project) is None
    assert not (project.root / "reference").exists()
