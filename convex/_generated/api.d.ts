/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as crimeReports from "../crimeReports.js";
import type * as criminals from "../criminals.js";
import type * as lib_getMany from "../lib/getMany.js";
import type * as lib_window from "../lib/window.js";
import type * as locations from "../locations.js";
import type * as persons from "../persons.js";
import type * as tips from "../tips.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  crimeReports: typeof crimeReports;
  criminals: typeof criminals;
  "lib/getMany": typeof lib_getMany;
  "lib/window": typeof lib_window;
  locations: typeof locations;
  persons: typeof persons;
  tips: typeof tips;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
