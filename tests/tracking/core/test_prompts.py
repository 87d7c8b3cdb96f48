"""Prompts: normalised on construction, described as JSON without their mask pixels."""

import json

import numpy as np

from tracking.core.prompts import Prompt


def test_a_box_is_ordered_and_the_kind_follows_what_was_given():
    p = Prompt(2, 3, points=[[5, 6]], labels=[1], box=(10, 8, 4, 2))
    assert p.box == (4.0, 2.0, 10.0, 8.0) and p.kind == "box+points"
    assert Prompt(0, mask=np.zeros((4, 4))).kind == "mask" and Prompt(0).empty


def test_to_dict_is_plain_json_and_flags_a_mask_without_its_pixels():
    mask = np.zeros((4, 5), bool)
    mask[1:3, 2:4] = True
    d = Prompt(1, 2, points=[[1.5, 2.0]], labels=[0], mask=mask).to_dict()
    assert json.loads(json.dumps(d)) == {"frame": 1, "object_id": 2, "points": [[1.5, 2.0]], "labels": [0],
                                         "box": None, "has_mask": True}
    assert Prompt(0, box=(1, 2, 3, 4)).to_dict()["box"] == [1.0, 2.0, 3.0, 4.0]
