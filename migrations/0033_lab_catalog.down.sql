BEGIN;
-- The seeded tests never ordered go, then their services never billed; the rest stays (0032's
-- down drops the tables).
DELETE FROM core_labpanelmember m USING core_labtest p
 WHERE p.id = m.panel_id AND p.code = 'FBC' AND NOT EXISTS (SELECT 1 FROM core_laborderitem i WHERE i.test_id = p.id);
DELETE FROM core_labtest t
 WHERE t.code IN ('MRDT', 'MSMEAR', 'HB', 'GLU', 'URINE', 'HIV', 'SYPH', 'HCG', 'WBC', 'PLT', 'FBC')
   AND NOT EXISTS (SELECT 1 FROM core_laborderitem i WHERE i.test_id = t.id)
   AND NOT EXISTS (SELECT 1 FROM core_labresult r WHERE r.test_id = t.id)
   AND NOT EXISTS (SELECT 1 FROM core_labpanelmember m WHERE m.test_id = t.id);
DELETE FROM core_servicecatalog s
 WHERE s.code IN ('LAB-MRDT', 'LAB-MSMEAR', 'LAB-HB', 'LAB-GLU', 'LAB-URINE', 'LAB-HIV', 'LAB-SYPH', 'LAB-HCG', 'LAB-FBC')
   AND NOT EXISTS (SELECT 1 FROM core_billitem i WHERE i.service_catalog_id = s.id)
   AND NOT EXISTS (SELECT 1 FROM core_labtest t WHERE t.service_id = s.id);
COMMIT;
