-- The 13 Jiangsu sub-centres (分中心), one per prefecture city (GB/T 2260), present in every
-- database. Fixed UUIDv7 ids so every deployment names them alike; idempotent on the code.
INSERT INTO "sub_centres" ("id", "code", "name", "region_codes") VALUES
  ('01a21959-db42-7477-afd8-bfba01275cec', '320100', '南京分中心', ARRAY['320100']),
  ('01a21959-db45-74f3-8518-804c8cd44e54', '320200', '无锡分中心', ARRAY['320200']),
  ('01a21959-db45-74f3-8518-85772f0db6f2', '320300', '徐州分中心', ARRAY['320300']),
  ('01a21959-db45-74f3-8518-894be44c781d', '320400', '常州分中心', ARRAY['320400']),
  ('01a21959-db45-74f3-8518-8ef04b42caeb', '320500', '苏州分中心', ARRAY['320500']),
  ('01a21959-db45-74f3-8518-906c683ef197', '320600', '南通分中心', ARRAY['320600']),
  ('01a21959-db45-74f3-8518-9793e01730c2', '320700', '连云港分中心', ARRAY['320700']),
  ('01a21959-db45-74f3-8518-99423951d142', '320800', '淮安分中心', ARRAY['320800']),
  ('01a21959-db45-74f3-8518-9ec2398d109f', '320900', '盐城分中心', ARRAY['320900']),
  ('01a21959-db45-74f3-8518-a14286602912', '321000', '扬州分中心', ARRAY['321000']),
  ('01a21959-db45-74f3-8518-a6d573525150', '321100', '镇江分中心', ARRAY['321100']),
  ('01a21959-db45-74f3-8518-aa6e68fc919c', '321200', '泰州分中心', ARRAY['321200']),
  ('01a21959-db45-74f3-8518-ae9ed0279b09', '321300', '宿迁分中心', ARRAY['321300'])
ON CONFLICT ("code") DO NOTHING;
