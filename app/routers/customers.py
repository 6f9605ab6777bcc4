"""Customers: organisations and private persons, their contacts, merges and history."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])
