/** Scalar definitions from Scalars.yaml: the service took scalar descriptions from there. */
import { parse } from 'yaml';
import { isRecord } from '../../../worker/src/core/is-record';

export interface ScalarDefinition {
  /** category.probe, lower-cased: how the original looked scalars up. */
  name: string;
  kind: string;
  keyed: boolean;
  description: string;
}

export type ScalarCatalog = ReadonlyMap<string, ScalarDefinition>;

export function parseScalarsYaml(text: string): ScalarCatalog {
  const document: unknown = parse(text);
  const catalog = new Map<string, ScalarDefinition>();
  if (!isRecord(document)) return catalog;
  for (const [category, probes] of Object.entries(document)) {
    if (!isRecord(probes)) continue;
    for (const [probe, definition] of Object.entries(probes)) {
      if (!isRecord(definition)) continue;
      const name = `${category}.${probe}`.toLowerCase();
      catalog.set(name, {
        name,
        kind: typeof definition.kind === 'string' ? definition.kind : '',
        keyed: definition.keyed === true,
        description: typeof definition.description === 'string' ? definition.description : '',
      });
    }
  }
  return catalog;
}

/** SCALARS_BROWSER.ENGAGEMENT.TAB_OPEN_EVENT_COUNT -> browser.engagement.tab_open_event_count */
export function scalarDefinitionName(storedMetric: string): string {
  return storedMetric.replace(/^SCALARS_/, '').toLowerCase();
}
