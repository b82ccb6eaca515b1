/** Whether to skip for lack of `what`; throws instead when real data is required (CI). */
export function skipWithout(what: string, available: boolean): boolean;
