"""Per-pixel belief that the ground is scar, carried from date to date (a Bayes filter).

Each pixel is scar or not; between two dates bare ground seldom heals, and ground
becomes scar mostly next to the old scar's outline. The belief (log-odds) of the
last date, pushed through that transition, is the prior of the next date; adding
the next date's evidence gives its posterior. Evidence that is only moderate but
comes back date after date (a debris fan that looks half like the scar) thus
accumulates, where a hard mask would forget it.
"""

from __future__ import annotations

import numpy as np

from tracking.engines.baseline.appearance import LOGIT_BOUND

# Log-odds that bare ground turns into scar far beyond the outline between two dates,
# and that scar heals: about 9% each; scars seldom jump, and seldom heal in a season.
FAR_PRIOR = -LOGIT_BOUND / 2
HEAL_PRIOR = -LOGIT_BOUND / 2
# A belief never grows surer than two fully sure dates.
BOUND = 2 * LOGIT_BOUND


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def hard_belief(mask: np.ndarray) -> np.ndarray:
    """(H, W) float32 belief from a mask the analyst gave (or drew): as sure as evidence gets."""
    return np.where(mask, LOGIT_BOUND, -LOGIT_BOUND).astype(np.float32)


def predict(belief: np.ndarray, sd: np.ndarray, width: float, reverse: bool = False) -> np.ndarray:
    """(H, W) float32 prior log-odds for the next date in the direction of travel.

    belief: (H, W) log-odds on the last date. sd: (H, W) signed distance (> 0 outside) to
    the outline the scar may move from. Forward in time, ground turns into scar with even
    odds on and inside the outline, falling to FAR_PRIOR ``width`` px out, and scar heals
    with HEAL_PRIOR. Backward in time the roles swap: scar was bared most recently along
    its outline, so scar there was ground before with even odds, rising to the odds that
    scar persists ``width`` px in; ground outside seldom was scar (it seldom heals).
    """
    p = _sigmoid(belief.astype(np.float32))
    if reverse:
        keep = _sigmoid(-FAR_PRIOR * np.clip(-sd / max(width, 1.0), 0.0, 1.0))
        q = p * keep + (1.0 - p) * _sigmoid(np.float32(HEAL_PRIOR))
    else:
        birth = _sigmoid(FAR_PRIOR * np.clip(sd / max(width, 1.0), 0.0, 1.0))
        q = p * (1.0 - _sigmoid(np.float32(HEAL_PRIOR))) + (1.0 - p) * birth
    q = np.clip(q, 1e-6, 1 - 1e-6)
    return np.log(q / (1.0 - q)).astype(np.float32)


def settle(posterior: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(H, W) float16 belief to carry on: the posterior, bounded, and made to agree in sign
    with the decided mask (a hole filled in, a look-alike left out as not connected)."""
    b = np.where(mask, np.maximum(posterior, 0.0), np.minimum(posterior, 0.0))
    return np.clip(b, -BOUND, BOUND).astype(np.float16)
