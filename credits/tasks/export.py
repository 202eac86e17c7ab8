"""Export task: render one claimed batch (an id in; a redelivery after a lost worker renders it again)."""
from __future__ import annotations

from celery import shared_task

from credits.services.exports import batch_render


@shared_task(name="credits.render_export_batch")
def render_export_batch(batch_id: int) -> dict:
    """Stream the batch's rows into its file and store it with its checksum (a ready batch is left alone)."""
    batch = batch_render(batch_id=batch_id)
    return {"batch": batch.id, "status": batch.status, "rows": batch.rows_written, "sha256": batch.sha256}
