/**
 * An object whose every member the aggregation reads (histograms, scalars, labels), as the byte
 * scanner reads it: its names and values in two arrays instead of a JSON object. Only for member
 * lists JSON.parse would keep as they are: distinct names, none integer-like (JSON.parse's
 * objects put those first); the scanner builds a JSON object for any other. Pure.
 */
export class ScannedMembers {
  constructor(
    readonly names: string[],
    readonly values: unknown[],
  ) {}
}

/** Calls `each` with every member of a JSON object or ScannedMembers, in the object's member order. */
export function forEachMember(container: Record<string, unknown>, each: (name: string, value: unknown) => void): void {
  if (container instanceof ScannedMembers) {
    const { names, values } = container;
    for (let i = 0; i < names.length; i++) each(names[i] as string, values[i]);
    return;
  }
  for (const name in container) each(name, container[name]);
}
