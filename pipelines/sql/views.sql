-- Views over the published tables: built into yrdpm.duckdb and published in views.sql.
CREATE OR REPLACE VIEW measures_full AS
WITH RECURSIVE section_path(section_id, path) AS (
  SELECT section_id, coalesce(label, '') || coalesce(title, '') FROM sections WHERE parent_id IS NULL
  UNION ALL
  SELECT s.section_id, p.path || ' > ' || coalesce(s.label, '') || coalesce(s.title, '')
  FROM sections s JOIN section_path p ON s.parent_id = p.section_id
),
measure_agencies AS (
  SELECT r.measure_id, list(a.name ORDER BY r.seq) AS agencies,
         list(a.name ORDER BY r.seq) FILTER (WHERE r.role = 'lead') AS lead_agencies
  FROM responsibilities r JOIN agencies a USING (agency_id) GROUP BY r.measure_id
),
measure_theme_list AS (
  SELECT measure_id, list(theme_id ORDER BY theme_id) AS themes FROM measure_themes GROUP BY measure_id
),
measure_place_list AS (
  SELECT object_id AS measure_id, list(DISTINCT p.name ORDER BY p.name) AS places
  FROM place_mentions pm JOIN places p USING (place_code) GROUP BY object_id
)
SELECT
  m.measure_id, m.doc_id, d.title AS doc_title, d.doc_type, d.issue_date, d.issuers,
  m.section_id, s.label AS section_label, s.title AS section_title, sp.path AS section_path,
  m.seq, m.label, m.title, m.text, m.responsibility_text,
  ma.agencies, ma.lead_agencies, mt.themes, mp.places,
  m.text_original, m.span_start, m.span_end, d.source_file
FROM measures m
JOIN documents d USING (doc_id)
LEFT JOIN sections s ON s.section_id = m.section_id
LEFT JOIN section_path sp ON sp.section_id = m.section_id
LEFT JOIN measure_agencies ma ON ma.measure_id = m.measure_id
LEFT JOIN measure_theme_list mt ON mt.measure_id = m.measure_id
LEFT JOIN measure_place_list mp ON mp.measure_id = m.measure_id;

CREATE OR REPLACE VIEW targets_full AS
SELECT t.*, d.title AS doc_title, coalesce(m.text, s.intro_text) AS context_text,
       coalesce(m.section_id, t.section_id) AS in_section_id
FROM targets t
JOIN documents d USING (doc_id)
LEFT JOIN measures m ON m.measure_id = t.measure_id
LEFT JOIN sections s ON s.section_id = t.section_id;
