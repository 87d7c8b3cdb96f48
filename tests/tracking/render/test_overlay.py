import numpy as np

from tracking.render import overlay


def test_enlarge_is_nearest_neighbour():
    a = np.array([[0, 1], [2, 3]], np.uint8)
    big = overlay.enlarge(a, (4, 6))
    assert big.shape == (4, 6)
    assert (big[:2, :3] == 0).all() and (big[2:, 3:] == 3).all()


def test_draw_fill_opacity_and_outline():
    image = np.zeros((10, 10, 3), np.uint8)
    mask = np.zeros((10, 10), bool)
    mask[2:8, 2:8] = True
    out = overlay.draw(image, [(mask, (200, 0, 100))], opacity=0.5, size=(20, 20), edge_width=1)
    assert out.shape == (20, 20, 3)
    assert tuple(out[10, 10]) == (100, 0, 50)  # inside: half-way blend
    assert tuple(out[4, 10]) == (200, 0, 100)  # edge row of the enlarged mask: full colour
    assert tuple(out[0, 0]) == (0, 0, 0)  # outside: untouched
    no_fill = overlay.draw(image, [(mask, (200, 0, 100))], opacity=0.5, fill=False, size=(20, 20))
    assert tuple(no_fill[10, 10]) == (0, 0, 0)
    none = overlay.draw(image, [(mask, (200, 0, 100))], fill=False, edge=False)
    assert not none.any()


def test_outline_ignores_frame_edge():
    mask = np.zeros((6, 6), bool)
    mask[:, :3] = True
    edge = overlay.outline(mask)
    assert edge[:, 2].all() and not edge[2, 0]
