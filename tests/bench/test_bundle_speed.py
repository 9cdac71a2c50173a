"""The filing bundle at the issue's size: a petition listing 20 annexes (7 PDF of three pages, 7 phone-photo JPEGs,
6 Word files) built into its ZIP (the petition and its settlement letter converted by LibreOffice with the Word
files in one run, the photos drawn as PDF pages, every PDF read back, the index, the 696 sheet, kept in storage) in
under 10 s, with peak memory under 300 MB, measured in a process of its own (tests.bench.bundle_build)."""
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
from PIL import Image

from tests.http.legal.test_bundles import add
from tests.http.legal.test_legal import _in_court

TARGET_SECONDS, TARGET_MB = 10.0, 300.0


def photo(seed: int) -> bytes:
    """A phone photo's worth of JPEG: 3000 x 2000 pixels of noise (about 2 MB; a flat image would compress to nothing)."""
    bands = [Image.effect_noise((3000, 2000), 40 + seed + k) for k in range(3)]
    out = io.BytesIO()
    Image.merge("RGB", bands).save(out, "JPEG", quality=85)
    return out.getvalue()


def scanned_pdf(seed: int, pages: int = 3) -> bytes:
    frames = [Image.effect_noise((1240, 1754), 30 + seed + k).convert("RGB") for k in range(pages)]  # A4 at 150 dpi
    out = io.BytesIO()
    frames[0].save(out, "PDF", resolution=150.0, save_all=True, append_images=frames[1:])
    return out.getvalue()


def word_file(seed: int) -> bytes:
    d = docx.Document()
    d.add_heading(f"Contrato de suministro n.º {seed}", 1)
    for n in range(40):
        d.add_paragraph(f"Cláusula {n + 1}. El proveedor suministrará los bienes pactados en el plazo convenido; " * 3)
    table = d.add_table(rows=20, cols=4)
    for r, row in enumerate(table.rows):
        for k, cell in enumerate(row.cells):
            cell.text = f"{seed}-{r}-{k}"
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


async def test_a_bundle_of_twenty_annexes(make_client):
    p = await _in_court(make_client)
    c, nh, lh, cid = p["c"], p["nh"], p["lh"], p["id"]
    for n in range(7):
        await add(c, nh, cid, f"FV-2026-{n:04d}.pdf", scanned_pdf(n), "invoice")
        await add(c, nh, cid, f"albaran-{n}.jpg", photo(n), "delivery_note")
        if n < 6:
            await add(c, nh, cid, f"contrato-{n}.docx", word_file(n), "contract")
    petition = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "monitorio_petition"}, headers=lh)).json()
    out = subprocess.run([sys.executable, "-m", "tests.bench.bundle_build", str(petition["id"]), str(p["lawyer"]["id"])], capture_output=True,
                         text=True, env=dict(os.environ), cwd=Path(__file__).resolve().parents[2], timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\nbundle of 20 annexes: {result['seconds']:.2f} s, {result['peak_mb']:.0f} MB peak, {result['pdfs']} PDFs, "
          f"{result['size'] / 1048576:.1f} MB ZIP, not included: {result['omitted']}")
    # the claim's own f.pdf (a stub no reader opens) is the one file left out; the 20 annexes, the petition and its letter are in
    assert result["omitted"] == ["f.pdf"] and result["pdfs"] == 22
    assert result["seconds"] < TARGET_SECONDS, result
    assert result["peak_mb"] < TARGET_MB, result
    bundle = zipfile.ZipFile(io.BytesIO((await c.get(f"/api/v1/documents/{petition['id']}/bundle", headers=lh)).content))
    assert sum(n.startswith("Documento ") for n in bundle.namelist()) == 20
