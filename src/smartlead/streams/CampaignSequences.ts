/**
 * The `campaign_sequences` stream: the steps (and A/B variants) of each campaign's sequence, for
 * every campaign of the `CampaignList`, from GET /campaigns/{id}/sequences, one request each,
 * stamped with `fetched_at`. A full refresh reads every campaign; an incremental read is a
 * snapshot of each campaign once per `sequences_interval_hours` (steps change when someone edits
 * the campaign, not with sending), and at once when its `updated_at` or status changed. With it, `campaign_statistics` rows gain the subject and body of the step and
 * variant they were sent from.
 */
import { CampaignSequenceRecord, decodeCampaignSequences } from "../models/CampaignSequences.js"
import { oneRequestPerCampaign } from "../PerCampaign.js"

/** The stream's name. */
export const NAME = "campaign_sequences"

/** The `campaign_sequences` stream. */
export const campaignSequences = oneRequestPerCampaign({
  name: NAME,
  description: "one row per step of a campaign's sequence, with its A/B variants (GET /campaigns/{id}/sequences)",
  schema: CampaignSequenceRecord,
  primaryKey: [["campaign_id"], ["id"]],
  columns: ["campaign_id", "id", "seq_number", "subject", "seq_delay_details.delayInDays"],
  path: (campaignId) => `/campaigns/${campaignId}/sequences`,
  decode: decodeCampaignSequences,
  // Steps change when someone edits the campaign, not with sending: every campaign on its own slow
  // clock, and at once when its updated_at moves.
  drafted: "interval",
  changesWithEdits: { intervalHours: (config) => config.sequences_interval_hours }
})
