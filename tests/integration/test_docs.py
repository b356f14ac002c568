"""docs/fields.md must list exactly what the plugin registers."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tshark_run import tshark  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class FieldReference(unittest.TestCase):
    def test_generated_reference_is_current(self):
        p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen_fields_doc.py"), "--check"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout)

    def test_every_registered_field_is_documented(self):
        doc = open(os.path.join(ROOT, "docs", "fields.md")).read()
        registered = [line.split("\t")[2] for line in tshark("-G", "fields").splitlines()
                      if line.startswith("F\t") and line.split("\t")[4] == "dicom_ul"]
        self.assertGreater(len(registered), 50)
        for abbrev in registered:
            self.assertIn("`%s`" % abbrev, doc)


if __name__ == "__main__":
    unittest.main(verbosity=2)
