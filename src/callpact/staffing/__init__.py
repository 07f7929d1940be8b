"""Queueing models (Erlang C, Erlang A) that turn volume into the agents a target needs."""

from callpact.staffing.erlang import (
    StaffingInputError,
    StaffingResult,
    agents_needed,
    erlang_a,
    erlang_b,
    erlang_b_many,
    erlang_c,
    erlang_c_agents_many,
    erlang_c_asa,
    erlang_c_many,
    erlang_c_service_level,
    occupancy,
    offered_load,
    staff_interval,
    staffing_figures,
)

__all__ = [
    "StaffingInputError",
    "StaffingResult",
    "agents_needed",
    "erlang_a",
    "erlang_b",
    "erlang_b_many",
    "erlang_c",
    "erlang_c_agents_many",
    "erlang_c_asa",
    "erlang_c_many",
    "erlang_c_service_level",
    "occupancy",
    "offered_load",
    "staff_interval",
    "staffing_figures",
]
