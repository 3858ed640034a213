-- search_measures(q): the measures whose text holds every whitespace-separated term of q, best first.
-- Terms are separated by any whitespace, the ideographic space U+3000 of Chinese input included (RE2's \s lacks it).
-- Plain SQL over the measures and documents tables, no extension and no index to build: the
-- terms are matched as substrings (Chinese has no spaces between words, so a term is a phrase).
-- The first term is a constant filter that DuckDB pushes into the scan, as fast as a LIKE scan;
-- the other terms are checked on its hits only. Only the hits are scored, BM25-like: a term's
-- count in the text, saturating, with long texts weighing less, and a term in the title four times.
-- A measure's text starts with its title, so the filter reads the text alone.
-- The hits' mean length is a window over them, so the hits are read once (a CTE read twice is materialised).
-- Few function calls on purpose: binding each one costs DuckDB tens of microseconds, a third of
-- the query's time at 50,000 measures when the terms were re-derived for each of four fixed slots.
CREATE OR REPLACE MACRO search_measures(q) AS TABLE
SELECT measure_id, doc_id, doc_title, label, title, text,
       round(list_sum(list_transform(counts, c -> 4 * c[2] + c[1] * 2.2 / (c[1] + 1.2 * (0.25 + 0.75 * text_length / mean_length)))), 6) AS score
FROM (
  SELECT m.measure_id, m.doc_id, d.title AS doc_title, m.label, m.title, m.text, length(m.text) AS text_length, avg(length(m.text)) OVER () AS mean_length,
         -- a term's occurrences: the characters it takes, over its length (terms are never empty)
         list_transform(regexp_extract_all(q, '[^\s　]+'),
                        t -> [(length(m.text) - length(replace(m.text, t, ''))) // length(t),
                              (length(coalesce(m.title, '')) - length(replace(coalesce(m.title, ''), t, ''))) // length(t)]) AS counts
  FROM measures m JOIN documents d USING (doc_id)
  WHERE contains(m.text, regexp_extract_all(q, '[^\s　]+')[1])
    AND list_bool_and(list_transform(regexp_extract_all(q, '[^\s　]+'), t -> contains(m.text, t)))
)
ORDER BY score DESC, measure_id;
