import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

/*
 * The crime-reporting app's tables, as its own schema declares them
 * (see shared/notes/origin-and-peers.md §1.3), with two honest widenings:
 *
 * 1. `createdAt` is `v.optional(v.union(v.number(), v.int64()))` on every table.
 *    Real deployments hold documents written before the field existed and
 *    documents whose `createdAt` was imported as Int64. Declaring that makes
 *    TypeScript force every function here to handle all three shapes, and it
 *    lets `listSince` name the Int64 range of `by_createdAt` with a `bigint`.
 * 2. `county` on crimeReports: the app renamed `county` to `parish`; old
 *    documents still carry it.
 *
 * `schemaValidation: false`: this service only reads. A deployment's history
 * can hold documents its current schema would reject (a person without
 * `imageStorageId`, coordinates typed in as strings, a string `createdAt`), and
 * the service must see them as they are rather than refuse to start. With
 * validation off, Convex (and convex-test, which checks
 * `schema.schemaValidation` before validating an insert) stores such documents
 * unchanged; the declared validators still give the TypeScript types.
 * Measured with convex-test 0.0.71: with validation on, an insert without
 * `createdAt` fails against the app's `v.number()`; with it off, it succeeds.
 */
const createdAt = v.optional(v.union(v.number(), v.int64()));

export default defineSchema(
  {
    users: defineTable({
      username: v.string(),
      password: v.string(),
      createdAt,
    }).index("by_username", ["username"]),

    locations: defineTable({
      coordinates: v.object({ lat: v.number(), lng: v.number() }),
      policeNumber: v.optional(v.string()),
      createdAt,
    }),

    persons: defineTable({
      name: v.string(),
      imageStorageId: v.id("_storage"),
      alias: v.optional(v.string()),
      crime: v.optional(v.string()),
      location: v.object({
        official_location: v.optional(v.id("locations")),
        last_sighted: v.optional(v.id("locations")),
        frequents: v.array(v.id("locations")),
      }),
      createdAt,
      updatedAt: v.number(),
    })
      .index("by_name", ["name"])
      .index("by_createdAt", ["createdAt"]),

    criminals: defineTable({
      name: v.string(),
      headshotUrl: v.optional(v.string()),
      primaryCrime: v.string(),
      description: v.optional(v.string()),
      locationLat: v.optional(v.number()),
      locationLng: v.optional(v.number()),
      status: v.string(),
      createdAt,
      updatedAt: v.optional(v.number()),
    })
      .index("by_name", ["name"])
      .index("by_createdAt", ["createdAt"])
      .index("by_primaryCrime", ["primaryCrime"]),

    crimeReports: defineTable({
      reportType: v.union(v.literal("existing_criminal"), v.literal("new_crime")),
      criminalId: v.optional(v.id("criminals")),
      criminalName: v.optional(v.string()),
      criminalHeadshot: v.optional(v.string()),
      criminalCrime: v.optional(v.string()),
      description: v.string(),
      offenseType: v.string(),
      incidentAddress: v.optional(v.string()),
      parish: v.optional(v.string()),
      county: v.optional(v.string()),
      cityState: v.string(),
      nearestIntersection: v.optional(v.string()),
      neighborhood: v.optional(v.string()),
      directionsToLocation: v.optional(v.string()),
      howHeardProgram: v.optional(v.string()),
      newsStoryLinks: v.optional(v.string()),
      additionalInfo: v.optional(v.string()),
      schoolRelated: v.boolean(),
      wantedFugitive: v.boolean(),
      drugsInvolved: v.boolean(),
      abuseInvolved: v.boolean(),
      weaponsInvolved: v.boolean(),
      suspectInfo: v.optional(v.string()),
      vehicleInfo: v.optional(v.string()),
      fileUploads: v.array(v.string()),
      fileDescriptions: v.array(v.string()),
      locationLat: v.optional(v.number()),
      locationLng: v.optional(v.number()),
      status: v.string(),
      createdAt,
    })
      .index("by_createdAt", ["createdAt"])
      .index("by_criminalId", ["criminalId"])
      .index("by_offenseType", ["offenseType"])
      .index("by_status", ["status"])
      .index("by_parish", ["parish"]),

    tips: defineTable({
      userId: v.optional(v.id("users")),
      personId: v.id("persons"),
      locationId: v.id("locations"),
      details: v.string(),
      timeOfSighting: v.optional(v.number()),
      createdAt,
    })
      .index("by_person", ["personId"])
      .index("by_location", ["locationId"])
      .index("by_user", ["userId"])
      .index("by_createdAt", ["createdAt"]),
  },
  { schemaValidation: false },
);
