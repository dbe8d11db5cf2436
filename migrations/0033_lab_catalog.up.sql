-- 0033_lab_catalog: the tests small clinics live on, seeded once (administrators edit them
-- afterwards; a clinic that already has a code keeps its own). Each test or panel is priced by
-- a service of the billing catalog (category lab). Units are UCUM: g/dL, mmol/L, 10*3/uL.
-- Ranges by sex and the vitals' age bands (band: newborn, infant, toddler, child_3_5,
-- child_6_9, child_10_11, adolescent, adult). Sources: haemoglobin, WHO "Haemoglobin
-- concentrations for the diagnosis of anaemia" (WHO/NMH/NHD/MNM/11.1, 2011) lower limits and
-- the usual upper limits; glucose, WHO fasting/random plasma glucose 3.9-7.8 mmol/L; white
-- cells and platelets, the usual adult ranges. Prices are placeholders the clinic sets.
BEGIN;

INSERT INTO core_servicecatalog (name, code, category, price, description)
VALUES
    ('Malaria rapid diagnostic test', 'LAB-MRDT', 'lab', 300.00, 'Laboratory test'),
    ('Malaria blood smear', 'LAB-MSMEAR', 'lab', 400.00, 'Laboratory test'),
    ('Haemoglobin', 'LAB-HB', 'lab', 250.00, 'Laboratory test'),
    ('Blood glucose', 'LAB-GLU', 'lab', 200.00, 'Laboratory test'),
    ('Urinalysis', 'LAB-URINE', 'lab', 300.00, 'Laboratory test'),
    ('HIV rapid test', 'LAB-HIV', 'lab', 0.00, 'Laboratory test'),
    ('Syphilis rapid test', 'LAB-SYPH', 'lab', 300.00, 'Laboratory test'),
    ('Pregnancy test', 'LAB-HCG', 'lab', 200.00, 'Laboratory test'),
    ('Full blood count', 'LAB-FBC', 'lab', 800.00, 'Laboratory test')
ON CONFLICT (code) DO NOTHING;

INSERT INTO core_labtest (code, name_en, name_fr, name_sw, specimen, result_type, unit, choices, abnormal_choices,
                          ranges, critical_low, critical_high, turnaround_minutes, service_id)
SELECT t.code, t.name_en, t.name_fr, t.name_sw, t.specimen, t.result_type, t.unit, t.choices::jsonb, t.abnormal::jsonb,
       t.ranges::jsonb, t.clo, t.chi, t.tat, (SELECT id FROM core_servicecatalog s WHERE s.code = t.service)
  FROM (VALUES
    ('MRDT', 'Malaria rapid test', 'TDR paludisme', 'Kipimo cha haraka cha malaria', 'capillary_blood', 'choice', '',
     '["negative","positive","invalid"]', '["positive"]', '[]', NULL::numeric, NULL::numeric, 30, 'LAB-MRDT'),
    ('MSMEAR', 'Malaria blood smear', 'Goutte épaisse (paludisme)', 'Kipimo cha damu cha malaria (slaidi)', 'blood', 'choice', '',
     '["negative","p_falciparum","p_vivax","p_malariae","p_ovale","mixed"]', '["p_falciparum","p_vivax","p_malariae","p_ovale","mixed"]',
     '[]', NULL, NULL, 60, 'LAB-MSMEAR'),
    ('HB', 'Haemoglobin', 'Hémoglobine', 'Hemoglobini', 'blood', 'numeric', 'g/dL', '[]', '[]',
     '[{"sex":"any","band":"newborn","lo":14.0,"hi":22.0},{"sex":"any","band":"infant","lo":9.5,"hi":13.5},
       {"sex":"any","band":"toddler","lo":11.0,"hi":14.0},{"sex":"any","band":"child_6_9","lo":11.5,"hi":15.5},
       {"sex":"any","band":"adolescent","lo":12.0,"hi":16.0},{"sex":"male","band":"adolescent","lo":12.0,"hi":16.5},
       {"sex":"any","band":"adult","lo":12.0,"hi":16.0},{"sex":"female","band":"adult","lo":12.0,"hi":15.5},
       {"sex":"male","band":"adult","lo":13.0,"hi":17.0}]', 7.0, 20.0, 30, 'LAB-HB'),
    ('GLU', 'Blood glucose', 'Glycémie', 'Sukari ya damu', 'capillary_blood', 'numeric', 'mmol/L', '[]', '[]',
     '[{"sex":"any","band":"newborn","lo":2.6,"hi":7.8},{"sex":"any","band":"infant","lo":3.9,"hi":7.8}]', 2.5, 25.0, 15, 'LAB-GLU'),
    ('URINE', 'Urinalysis', 'Analyse d''urine', 'Uchunguzi wa mkojo', 'urine', 'text', '', '[]', '[]', '[]', NULL, NULL, 60, 'LAB-URINE'),
    ('HIV', 'HIV rapid test', 'Test rapide VIH', 'Kipimo cha haraka cha VVU', 'capillary_blood', 'choice', '',
     '["non_reactive","reactive","indeterminate"]', '["reactive","indeterminate"]', '[]', NULL, NULL, 30, 'LAB-HIV'),
    ('SYPH', 'Syphilis rapid test', 'Test rapide syphilis', 'Kipimo cha haraka cha kaswende', 'capillary_blood', 'choice', '',
     '["non_reactive","reactive","invalid"]', '["reactive"]', '[]', NULL, NULL, 30, 'LAB-SYPH'),
    ('HCG', 'Pregnancy test', 'Test de grossesse', 'Kipimo cha ujauzito', 'urine', 'choice', '',
     '["negative","positive","invalid"]', '[]', '[]', NULL, NULL, 15, 'LAB-HCG'),
    ('WBC', 'White blood cells', 'Leucocytes', 'Chembe nyeupe za damu', 'blood', 'numeric', '10*3/uL', '[]', '[]',
     '[{"sex":"any","band":"newborn","lo":9.0,"hi":30.0},{"sex":"any","band":"infant","lo":6.0,"hi":17.5},
       {"sex":"any","band":"child_3_5","lo":5.5,"hi":15.5},{"sex":"any","band":"adolescent","lo":4.5,"hi":13.0},
       {"sex":"any","band":"adult","lo":4.0,"hi":11.0}]', 2.0, 30.0, 60, NULL),
    ('PLT', 'Platelets', 'Plaquettes', 'Chembe sahani', 'blood', 'numeric', '10*3/uL', '[]', '[]',
     '[{"sex":"any","band":"newborn","lo":150,"hi":450}]', 20, 1000, 60, NULL),
    ('FBC', 'Full blood count', 'Numération formule sanguine', 'Hesabu kamili ya damu', 'blood', 'panel', '', '[]', '[]', '[]',
     NULL, NULL, 60, 'LAB-FBC')
  ) AS t (code, name_en, name_fr, name_sw, specimen, result_type, unit, choices, abnormal, ranges, clo, chi, tat, service)
ON CONFLICT (code) DO NOTHING;

INSERT INTO core_labpanelmember (panel_id, test_id, position)
SELECT p.id, t.id, m.pos
  FROM (VALUES ('HB', 1), ('WBC', 2), ('PLT', 3)) AS m (code, pos)
  JOIN core_labtest p ON p.code = 'FBC'
  JOIN core_labtest t ON t.code = m.code
ON CONFLICT DO NOTHING;

COMMIT;
