-- search_measures(q): the measures whose text holds every whitespace-separated term of q, best first.
-- Terms are separated by any whitespace, the ideographic space U+3000 of Chinese input included (RE2's \s lacks it).
-- Plain SQL over the measures and documents tables, no extension and no index to build: the
-- terms are matched as substrings (Chinese has no spaces between words, so a term is a phrase).
-- The first term is a constant filter that DuckDB pushes into the scan, as fast as a LIKE scan;
-- the other terms are checked on its hits only. Only the hits are scored, BM25-like: a term's
-- count in the text, saturating, with long texts weighing less, and a term in the title four times.
-- A measure's text starts with its title, so the filter reads the text alone.
-- A term's count is the pieces string_split cuts the text into, less one: the non-overlapping
-- occurrences, as replace() would remove them, without building the text anew (a third of the time at 1,300 hits).
-- The hits' mean length is a window over them, so the hits are read once (a CTE read twice is materialised).
-- The documents' titles are joined to the hits only, after scoring: joined to the scan, the join's
-- filter on doc_id made the scan slower than the LIKE scan itself.
-- Few function calls on purpose: binding each one costs DuckDB tens of microseconds, a third of
-- the query's time at 50,000 measures when the terms were re-derived for each of four fixed slots.
CREATE OR REPLACE MACRO search_measures(q) AS TABLE
SELECT measure_id, doc_id, doc_title, label, title, text,
       round(list_sum(list_transform(counts, c -> 4 * c[2] + c[1] * 2.2 / (c[1] + 1.2 * (0.25 + 0.75 * text_length / mean_length)))), 6) AS score
FROM (
  SELECT m.measure_id, m.doc_id, m.label, m.title, m.text, length(m.text) AS text_length, avg(length(m.text)) OVER () AS mean_length,
         -- each term's occurrences in the text and in the title (terms are never empty)
         list_transform(regexp_extract_all(q, '[^\s　]+'),
                        t -> [len(string_split(m.text, t)) - 1, len(string_split(coalesce(m.title, ''), t)) - 1]) AS counts
  FROM measures m
  WHERE contains(m.text, regexp_extract_all(q, '[^\s　]+')[1])
    AND list_bool_and(list_transform(regexp_extract_all(q, '[^\s　]+'), t -> contains(m.text, t)))
) LEFT JOIN (SELECT doc_id, title AS doc_title FROM documents) USING (doc_id)  -- every measure has its document (a foreign key)
ORDER BY score DESC, measure_id;
