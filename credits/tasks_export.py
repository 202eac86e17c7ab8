"""Thin Celery task: render one claimed export batch (ids in; redelivery after a lost worker re-renders)."""
from __future__ import annotations

from celery import shared_task

from credits.services.exports import batch_render


@shared_task(acks_late=True, soft_time_limit=25 * 60, time_limit=30 * 60)
def render_export_batch(batch_id: int) -> dict:
    """Stream the batch's rows into its file and store it with its checksum."""
    batch = batch_render(batch_id=batch_id)
    return {"batch": batch.id, "status": batch.status, "rows": batch.rows_written, "sha256": batch.sha256}
