"""The drawing canvas's widget keys."""

from tracking.ui.canvas import component_key


def test_component_keys_never_hold_a_double_underscore_and_stay_distinct():
    keys = ["prompt:TW__Vgbf1JBX-YLzZPcecw:0:v1", "prompt:TW_Vgbf:0", "prompt:TW_.Vgbf:0", "a___b", "a_._b",
            "review:abc:3:2"]
    made = [component_key(k) for k in keys]
    assert not any("__" in m for m in made)
    assert len(set(made)) == len(keys)
    assert component_key("review:abc:3:2") == "review:abc:3:2"
