"""Test-side monthly KPIs of a generated program (an independent, plain numpy/pyarrow reading of
the interchange semantics), used to check that generated programs are plausible."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _us(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.cast(pa.int64()).fill_null(-1).to_numpy(), dtype=np.int64)


def _local_month(us: np.ndarray, zone: str) -> np.ndarray:
    tz = ZoneInfo(zone)
    hours = us // 3_600_000_000
    unique, inverse = np.unique(hours, return_inverse=True)
    local = [datetime.fromtimestamp(int(h) * 3600, UTC).astimezone(tz) for h in unique]
    months = np.array([d.year * 100 + d.month for d in local])
    return months[inverse]


def monthly_kpis(
    tables: dict[str, pa.Table],
    zone: str = "America/Chicago",
    threshold_s: float = 30,
    short_s: float = 5,
) -> dict[int, dict[str, float]]:
    c = tables["contacts"]
    offered = _us(c["offered_at"])
    answered_at = _us(c["answered_at"])
    ended = _us(c["ended_at"])
    answered = np.asarray(c["answered_at"].is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    wait_us = np.where(answered, answered_at, ended) - offered
    short = ~answered & (wait_us < short_s * 1_000_000)
    voice = np.asarray(pc.equal(c["channel"], "voice").to_numpy(zero_copy_only=False), bool)
    month = _local_month(offered, zone)
    customer = np.asarray(c["customer_id"].fill_null("").to_numpy(zero_copy_only=False), object)
    # FCR: answered contacts with a customer whose customer has a later non-short contact within
    # 7 local days (wall clock).
    tz = ZoneInfo(zone)
    hours = offered // 3_600_000_000
    uh, inv = np.unique(hours, return_inverse=True)
    offsets = []
    for h in uh:
        offset = datetime.fromtimestamp(int(h) * 3600, UTC).astimezone(tz).utcoffset()
        offsets.append(int(offset.total_seconds()) if offset else 0)
    offs = np.array(offsets)[inv] * 1_000_000
    local = offered + offs
    has_customer = customer != ""
    eligible = ~short & has_customer
    idx = np.flatnonzero(eligible)
    order = idx[np.lexsort((offered[idx], customer[idx]))]
    same_next = np.zeros(order.size, dtype=bool)
    same_next[:-1] = customer[order[1:]] == customer[order[:-1]]
    within = np.zeros(order.size, dtype=bool)
    within[:-1] = local[order[1:]] <= local[order[:-1]] + 7 * 86_400_000_000
    repeat = np.zeros(offered.size, dtype=bool)
    repeat[order] = same_next & within
    s = tables["surveys"]
    qa = tables["qa_evaluations"]
    contact_month = dict(zip(c["contact_id"].to_pylist(), month.tolist(), strict=True))
    s_month = np.array([contact_month[x] for x in s["contact_id"].to_pylist()])
    csat = np.asarray(s["csat"].fill_null(-1).to_numpy(), dtype=np.int64)
    q_month = np.array([contact_month[x] for x in qa["contact_id"].to_pylist()])
    q_score = np.asarray(qa["score"].to_numpy(), dtype=float) / 100
    q_score[np.asarray(qa["auto_fail"].to_numpy(zero_copy_only=False), bool)] = 0
    out: dict[int, dict[str, float]] = {}
    for m in np.unique(month):
        v = (month == m) & voice & ~short
        answered_v = v & answered
        fcr_base = (month == m) & answered & has_customer
        survey = (s_month == m) & (csat > 0)
        out[int(m)] = {
            "offered": float(v.sum()),
            "service_level": float((answered_v & (wait_us <= threshold_s * 1e6)).sum() / v.sum()),
            "abandon_rate": float((v & ~answered).sum() / v.sum()),
            "short_abandons": float(((month == m) & short).sum()),
            "fcr": float(1 - repeat[fcr_base].mean()),
            "csat": float((csat[survey] >= 4).mean()),
            "qa": float(q_score[q_month == m].mean()),
            "aht": float(
                np.nanmean(
                    np.asarray(c["talk_s"].to_numpy(zero_copy_only=False), float)[answered_v]
                    + np.asarray(c["hold_s"].to_numpy(), float)[answered_v]
                    + np.asarray(c["acw_s"].to_numpy(), float)[answered_v]
                )
            ),
        }
    return out
