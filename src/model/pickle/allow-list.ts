import { MlopsError } from '../../errors.js';
import { PyObject, type PickleValue } from './values.js';

/**
 * What the reader may do with one global. A global without an entry cannot even be named:
 * GLOBAL / STACK_GLOBAL refuse it before anything else happens.
 */
export interface AllowedGlobal {
  /** REDUCE `global(*args)`: returns the value the call stands for, computed here, never run. */
  call?: (args: readonly PickleValue[], where: string) => PickleValue;
  /** NEWOBJ, NEWOBJ_EX, INST, OBJ: `cls.__new__(cls, *args)`, an empty instance BUILD fills. */
  instantiate?: (args: readonly PickleValue[], where: string) => PickleValue;
}

/** Keyed by `module name`, as pickle names a global (e.g. "numpy dtype"). */
export type AllowList = ReadonlyMap<string, AllowedGlobal>;

/** A class whose instances are plain attribute records: `__new__` with no arguments, BUILD fills `__dict__`. */
export function attributeClass(qualifiedName: string): AllowedGlobal {
  return {
    instantiate(args, where) {
      if (args.length > 0) {
        throw new MlopsError('CORRUPT', `${where}: ${qualifiedName}.__new__ takes no arguments here, found ${args.length}`);
      }
      return new PyObject(qualifiedName);
    },
  };
}

/** An allow-list of attribute classes, for callers that add their own. */
export function attributeClasses(qualifiedNames: readonly string[]): AllowList {
  return new Map(qualifiedNames.map((name) => [name, attributeClass(name)]));
}

/** Several allow-lists as one; later lists win on a duplicate name. */
export function combineAllowLists(...lists: AllowList[]): AllowList {
  return new Map(lists.flatMap((list) => [...list]));
}
