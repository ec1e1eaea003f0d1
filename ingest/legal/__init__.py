"""Vietnamese legal structure: Phần / Chương / Mục / Điều / khoản / điểm, annexes, sections."""

from ingest.legal.structure import parse_structure

__all__ = ["parse_structure"]
