import { InvalidTransitionError } from './errors.js';

/** One row of a lifecycle: the states an action may start from, where it leads, who may take it. */
export interface TransitionRule<S extends string, R extends string> {
  readonly from: readonly S[];
  readonly to: S;
  readonly by: readonly R[];
}

/**
 * The two questions every lifecycle table answers (catalog listings, interests): which actions a
 * state allows, and the state after an action — or the 409 problem naming what is allowed.
 */
export function stateTable<A extends string, S extends string, R extends string>(
  actions: Record<A, TransitionRule<S, R>>,
) {
  const names = Object.keys(actions) as A[];
  const actionsFrom = (status: string): A[] =>
    names.filter((a) => (actions[a].from as readonly string[]).includes(status));
  const nextStatus = (from: string, action: A): S => {
    const rule = actions[action];
    if (!(rule.from as readonly string[]).includes(from))
      throw new InvalidTransitionError(from, action, actionsFrom(from));
    return rule.to;
  };
  return { names, actionsFrom, nextStatus };
}
