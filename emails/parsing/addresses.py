"""Address headers (From, To, Cc, ...) as typed, decoded mailboxes."""

from __future__ import annotations

from email.utils import getaddresses

from emails.parsing.headers import header_unfold, header_value_limit, rfc2047_decode, text_single_line
from emails.parsing.types import ADDRESSES_MAX, Address


def address_normalize(address: str) -> str:
    """Strip whitespace and lower-case the domain; the local part keeps its case (RFC 5321)."""
    address = "".join(address.split())
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    return f"{local}@{domain.lower()}"


def addresses_parse(*, name: str, value: str | None, warnings: list[str]) -> tuple[Address, ...]:
    """Every mailbox of an address header; groups are flattened, empty entries dropped.

    The raw value is split first and display names are decoded afterwards, so an encoded comma in a
    name ("=?utf-8?q?Doe=2C_John?=") does not split the mailbox.
    """
    if not value:
        return ()
    value = header_unfold(header_value_limit(name=name, value=value, warnings=warnings))
    try:
        pairs = getaddresses([value])
    except Exception:  # the stdlib address parser has raised on hostile input before
        warnings.append(f"address_invalid:{name}")
        return ()
    result: list[Address] = []
    for display_name, address in pairs:
        if not display_name and not address:
            continue
        decoded_name, is_fallback = rfc2047_decode(display_name)
        if is_fallback:
            warnings.append("charset_fallback")
        result.append(
            Address(
                name=text_single_line(decoded_name)[:256],
                address=text_single_line(address_normalize(address))[:320],
            )
        )
        if len(result) >= ADDRESSES_MAX:
            warnings.append(f"addresses_truncated:{name}")
            break
    return tuple(result)


def address_first(*, name: str, value: str | None, warnings: list[str]) -> Address | None:
    addresses = addresses_parse(name=name, value=value, warnings=warnings)
    return addresses[0] if addresses else None
