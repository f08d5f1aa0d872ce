"""The one MetaData every table belongs to, and the columns many tables share."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, MetaData, String

__all__ = ["CASCADE", "ID", "connection_fk", "metadata", "tenant_fk"]

# Constraint names are deterministic so that later migrations can alter them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 64  # prefixed ids ("conn_...") and vendor remote ids fit comfortably
CASCADE = "CASCADE"


def tenant_fk(nullable: bool = False) -> Column[str]:
    return Column(
        "tenant_id",
        String(ID),
        ForeignKey("tenants.id", ondelete=CASCADE),
        nullable=nullable,
    )


def connection_fk(primary_key: bool = False) -> Column[str]:
    return Column(
        "connection_id",
        String(ID),
        ForeignKey("connections.id", ondelete=CASCADE),
        nullable=False,
        primary_key=primary_key,
    )
