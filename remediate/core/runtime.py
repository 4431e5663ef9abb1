"""Process settings for a batch run."""

import gc


def tune_for_batch() -> None:
    """Collect garbage less often: a run builds many small objects that live until it ends, and
    the default thresholds make collection time grow with their number (bench/render.py: 10,000
    policies took 1.5x as long per policy as 100 with the defaults, about 1x with these)."""
    gc.set_threshold(20_000, 20, 50)
