"""The asyncio client: the hand-written source of truth that codegen turns into ``_sync``."""
