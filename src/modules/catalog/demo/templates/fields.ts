// The 9 strategic emerging industry fields and their templates, in code order.
import { informationTechnology } from './field-01-it.js';
import { highEndEquipment } from './field-02-equipment.js';
import { newMaterials } from './field-03-materials.js';
import { biotechnology } from './field-04-bio.js';
import { newEnergyVehicles } from './field-05-nev.js';
import { newEnergy } from './field-06-energy.js';
import { energySavingEnvironment } from './field-07-environment.js';
import { digitalCreative } from './field-08-creative.js';
import { relatedServices } from './field-09-services.js';
import type { FieldCode, FieldTemplate } from './types.js';

export const FIELD_TEMPLATES: readonly FieldTemplate[] = [
  informationTechnology,
  highEndEquipment,
  newMaterials,
  biotechnology,
  newEnergyVehicles,
  newEnergy,
  energySavingEnvironment,
  digitalCreative,
  relatedServices,
];

/** 战略性新兴产业分类 (2018) top-level fields, coded '01'..'09' in the classification's order. */
export const FIELDS: readonly { code: FieldCode; name: string }[] = FIELD_TEMPLATES.map(({ code, name }) => ({
  code,
  name,
}));

export const FIELD_CODES: readonly FieldCode[] = FIELDS.map((f) => f.code);

export function fieldTemplate(code: FieldCode): FieldTemplate {
  const t = FIELD_TEMPLATES.find((f) => f.code === code);
  if (!t) throw new Error(`unknown field ${code}`);
  return t;
}
