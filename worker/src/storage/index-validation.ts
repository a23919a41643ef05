/** Runtime checks of the JSON index objects (core/index-schemas.ts), so a malformed object fails loudly instead of oddly. */
import type { GenericSchema, InferOutput } from 'valibot';
import type { ChannelsIndex, DatesIndex, FiltersIndex, ManifestIndex, MetricsIndex } from '../core/index-objects';
import { ChannelsSchema, checkIndexObject, DatesSchema, FiltersSchema, ManifestSchema, MetricsSchema } from '../core/index-schemas';

export class StorageFormatError extends Error {
  override name = 'StorageFormatError';
}

type Validator<T> = (value: unknown, key: string) => T;

/** A validator that throws a StorageFormatError naming the key and what is wrong. */
function validatorOf<TSchema extends GenericSchema>(schema: TSchema): Validator<InferOutput<TSchema>> {
  return (value, key) => {
    const checked = checkIndexObject(schema, value);
    if (!checked.ok) throw new StorageFormatError(`${key}: ${checked.problem}`);
    return checked.value;
  };
}

export const validateChannels: Validator<ChannelsIndex> = validatorOf(ChannelsSchema);
export const validateDates: Validator<DatesIndex> = validatorOf(DatesSchema);
export const validateManifest: Validator<ManifestIndex> = validatorOf(ManifestSchema);
export const validateFilters: Validator<FiltersIndex> = validatorOf(FiltersSchema);
export const validateMetrics: Validator<MetricsIndex> = validatorOf(MetricsSchema);
