"""Real documents the pipeline was not written for agree with their hand counts.

The documents live outside the repository (YRDPM_CORPUS or ../shared/corpus);
without them these tests are skipped, and `make bench` says so.
"""

import pytest

from validation.corpus import check_corpus, corpus_dir, expectations

FOLDER = corpus_dir()


def test_every_expectation_names_its_file_by_sha256_and_counts_something():
    for entry in expectations():
        assert len(entry["sha256"]) == 64
        assert {"sections", "articles", "measures"} & set(entry)


@pytest.mark.skipif(FOLDER is None, reason="no corpus of real documents here (set YRDPM_CORPUS)")
def test_real_documents_agree_with_their_hand_counts():
    checks, missing = check_corpus(FOLDER)
    assert not missing
    assert [f"{c.file}: {c.what}: expected {c.expected}, found {c.found}" for c in checks if not c.ok] == []
