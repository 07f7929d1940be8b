"""Where a row is stored: the month partition of each interchange table.

A workspace (``data/workspace.py``) and ingest (``data/ingest.py``) both name partitions; the
rule lives here so that neither imports the other for it.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from callpact.data.schema import TableSchema


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def partition_expression(schema: TableSchema) -> str:
    """SQL for the partition value of a row: the UTC month of its timestamp, or ``all``."""
    if schema.partition_by is None:
        return "'all'"
    return f"strftime({_q(schema.partition_by)}, '%Y-%m')"


def month_key_expression(schema: TableSchema) -> str:
    """SQL for a row's partition as an integer ``YYYYMM`` (UTC month), ``0`` for ``all``.

    An integer sorts and compares faster than the ``YYYY-MM`` text it stands for.
    """
    if schema.partition_by is None:
        return "0"
    # the UTC wall time as a plain timestamp: year() and month() of a TIMESTAMPTZ go through
    # ICU's calendar, which cost 0.23 CPU s per million rows; of a timestamp, next to nothing
    utc = f"make_timestamp(epoch_us({_q(schema.partition_by)}))"
    return f"(year({utc}) * 100 + month({utc}))"


def partition_name(schema: TableSchema, key: int) -> str:
    """The partition folder of a :func:`month_key_expression` value (``-1`` for null)."""
    if schema.partition_by is None:
        return "month=all"
    if key < 0:
        return "month=NULL"
    return f"month={key // 100:04d}-{key % 100:02d}"


def partition_names(schema: TableSchema, data: pa.Table) -> pa.Array:
    """``month=YYYY-MM`` per row of an Arrow table (UTC month of the partition timestamp)."""
    if schema.partition_by is None:
        return pa.array(["month=all"] * data.num_rows, pa.string())
    ts = data.column(schema.partition_by).combine_chunks()
    return pc.binary_join_element_wise("month=", pc.strftime(ts, format="%Y-%m"), "")
