/*
 * The demo history of reviewed AI drafts (docs/demo-data.md): a week of Acme conversations in
 * which an AI draft was approved as written, edited then approved, rejected, or is still pending,
 * for two agents, with the rows the API itself writes for them (the messages, `drafts`,
 * `draft_revisions`), so `GET /api/training/reviews`, its stats and the /review dashboard have
 * something to show.
 *
 * Times are relative to the UTC day the seed is generated on (the week before it), so the
 * reviews stay inside the stats' default 30-day window whenever `npm run dev` or `npm run seed`
 * runs; within a day the SQL is the same on every run.
 */
import type { conversations, draftRevisions, drafts, messages } from "../../src/platform/db/schema";
import { editDistance } from "../../src/platform/util/edit-distance";

type Insert<T extends { $inferInsert: unknown }> = T["$inferInsert"];

const DAY = 86_400_000;
const MINUTE = 60_000;

/** The two agents (and their flows) whose drafts are reviewed. */
const AGENTS = {
  booking: { agentId: "ag67890", pathwayId: "pw12345", promptVersion: "booking-v7" },
  support: { agentId: "ag24680", pathwayId: "pw67890", promptVersion: null },
} as const;

interface Scenario {
  /** Days before the seed's day (1: yesterday). */
  daysAgo: number;
  /** UTC time of the draft on that day, "hh:mm". */
  at: string;
  agent: keyof typeof AGENTS;
  question: string;
  draft: string;
  /** The texts after each edit; the last one is sent. */
  edits?: string[];
  verdict: "Approve" | "Reject" | null;
  /** A rejection's reason, as the reviewer gave it. */
  reason?: string;
  /** What a person sent instead of a rejected draft. */
  reply?: string;
  /** Seconds from the draft to its verdict. */
  reviewSeconds?: number;
}

/** Drafts, oldest first: 24 over the last 7 days; their ids follow this order. */
export const REVIEW_SCENARIOS: Scenario[] = [
  {
    daysAgo: 7,
    at: "09:10",
    agent: "booking",
    question: "Hi, I was charged twice this month.",
    draft: "Sorry about that! I've refunded the duplicate charge; you'll see it in 3-5 days.",
    verdict: "Approve",
    reviewSeconds: 95,
  },
  {
    daysAgo: 7,
    at: "13:40",
    agent: "support",
    question: "Do you ship to Canada?",
    draft: "Yes, we ship to Canada. Delivery takes 5-7 business days.",
    edits: ["Yes, we ship to Canada! Delivery takes 7-10 business days, duties included."],
    verdict: "Approve",
    reviewSeconds: 360,
  },
  {
    daysAgo: 7,
    at: "16:05",
    agent: "booking",
    question: "Can I move my appointment to Friday?",
    draft: "Friday at 10am is open. Shall I book it?",
    verdict: "Approve",
    reviewSeconds: 48,
  },
  {
    daysAgo: 6,
    at: "08:30",
    agent: "support",
    question: "My order hasn't arrived yet.",
    draft: "Your parcel is out for delivery today.",
    verdict: "Reject",
    reason: "Tracking shows the parcel is still at the depot.",
    reply: "Sorry for the wait! Your parcel is still at our depot; it leaves tomorrow morning.",
    reviewSeconds: 240,
  },
  {
    daysAgo: 6,
    at: "11:15",
    agent: "booking",
    question: "What are your opening hours on Sunday?",
    draft: "We're open from 10am to 4pm on Sundays.",
    verdict: "Approve",
    reviewSeconds: 30,
  },
  {
    daysAgo: 6,
    at: "15:50",
    agent: "booking",
    question: "Can I pay by bank transfer?",
    draft: "Yes, you can pay by bank transfer. I'll send you our details.",
    edits: [
      "Yes, you can pay by bank transfer. I'll email you our bank details and your invoice number.",
    ],
    verdict: "Approve",
    reviewSeconds: 300,
  },
  {
    daysAgo: 5,
    at: "09:45",
    agent: "support",
    question: "Is the blue jacket back in stock?",
    draft: "The blue jacket is back in stock in all sizes.",
    edits: ["The blue jacket is back in stock in sizes S to L; XL arrives next week."],
    verdict: "Approve",
    reviewSeconds: 480,
  },
  {
    daysAgo: 5,
    at: "12:20",
    agent: "booking",
    question: "Can I bring my dog to the appointment?",
    draft: "Of course, well-behaved dogs are welcome.",
    verdict: "Approve",
    reviewSeconds: 170,
  },
  {
    daysAgo: 5,
    at: "17:30",
    agent: "support",
    question: "I want to cancel my subscription.",
    draft: "I'm sorry to see you go. I've cancelled your subscription effective today.",
    verdict: "Reject",
    reason: "Cancellations need the account owner's confirmation first.",
    reply: "I can help with that. Could you confirm from the account owner's email address?",
    reviewSeconds: 720,
  },
  {
    daysAgo: 4,
    at: "10:00",
    agent: "booking",
    question: "Do you offer student discounts?",
    draft: "Yes! Students get 15% off with a valid student ID.",
    verdict: "Approve",
    reviewSeconds: 120,
  },
  {
    daysAgo: 4,
    at: "14:25",
    agent: "support",
    question: "How do I reset my password?",
    draft: 'Click "Forgot password" on the login page and follow the link in the email.',
    verdict: "Approve",
    reviewSeconds: 60,
  },
  {
    daysAgo: 4,
    at: "16:40",
    agent: "booking",
    question: "Can I change the delivery address?",
    draft: "Sure, what's the new address?",
    edits: ["Sure! What's the new address? If the parcel has shipped, we'll redirect it for free."],
    verdict: "Approve",
    reviewSeconds: 250,
  },
  {
    daysAgo: 3,
    at: "09:05",
    agent: "support",
    question: "Do you have parking near the store?",
    draft: "There is free parking behind the store.",
    verdict: "Approve",
    reviewSeconds: 140,
  },
  {
    daysAgo: 3,
    at: "11:50",
    agent: "booking",
    question: "Can I get a receipt for my last order?",
    draft: "I've emailed your receipt to the address on your account.",
    verdict: "Approve",
    reviewSeconds: 75,
  },
  {
    daysAgo: 3,
    at: "15:15",
    agent: "support",
    question: "Why was my card declined?",
    draft: "Your card was declined because it has expired.",
    verdict: "Reject",
    reviewSeconds: 390,
  },
  {
    daysAgo: 2,
    at: "08:55",
    agent: "booking",
    question: "Is Saturday morning available?",
    draft: "Saturday at 9am and 11am are open. Which suits you?",
    verdict: "Approve",
    reviewSeconds: 55,
  },
  {
    daysAgo: 2,
    at: "13:10",
    agent: "support",
    question: "Can I return an item I bought on sale?",
    draft: "Sale items can be returned within 14 days.",
    edits: [
      "Sale items can be returned within 30 days.",
      "Sale items can be returned within 30 days for store credit.",
    ],
    verdict: "Approve",
    reviewSeconds: 540,
  },
  {
    daysAgo: 2,
    at: "16:30",
    agent: "booking",
    question: "Do you deliver on weekends?",
    draft: "We deliver on Saturdays, but not on Sundays.",
    verdict: "Approve",
    reviewSeconds: 110,
  },
  {
    daysAgo: 1,
    at: "09:20",
    agent: "support",
    question: "Can I upgrade to the Pro plan mid-month?",
    draft: "Yes, upgrades take effect immediately and we prorate the difference.",
    verdict: "Approve",
    reviewSeconds: 200,
  },
  {
    daysAgo: 1,
    at: "10:40",
    agent: "booking",
    question: "Can I move my appointment to Friday afternoon?",
    draft: "Friday at 2pm is open. Shall I book it?",
    edits: ["Friday at 2pm or 4pm is open. Which one shall I book?"],
    verdict: "Approve",
    reviewSeconds: 180,
  },
  {
    daysAgo: 1,
    at: "14:00",
    agent: "support",
    question: "Do you ship to Mexico?",
    draft: "Yes, shipping to Mexico takes about a week.",
    verdict: "Reject",
    reason: "We don't ship to Mexico yet.",
    reply: "Not yet, sorry! We ship to the US and Canada for now.",
    reviewSeconds: 300,
  },
  {
    daysAgo: 1,
    at: "17:15",
    agent: "booking",
    question: "Is there a fee to reschedule?",
    draft: "Rescheduling is free up to 24 hours before your appointment.",
    verdict: null,
  },
  {
    daysAgo: 1,
    at: "18:05",
    agent: "support",
    question: "My discount code doesn't work.",
    draft: "Sorry about that! I've applied the discount to your order manually.",
    verdict: null,
  },
  {
    daysAgo: 1,
    at: "19:30",
    agent: "booking",
    question: "Can I add a second person to my booking?",
    draft: "Of course, I've added a second seat to your booking.",
    verdict: null,
  },
];

/** Every third draft came from the larger model, the rest from the small one. */
const modelOf = (i: number) => (i % 3 === 2 ? "gpt-4.1" : "gpt-4.1-mini");

const hex2 = (i: number) => i.toString(16).padStart(2, "0");
export const reviewConversationId = (i: number) => `6730c0d0e0f0a0b0c0d0e0${hex2(i)}`;
/** j: 0 the customer's question, 1 the AI draft, 2 a person's reply after a rejection. */
export const reviewMessageId = (i: number, j: number) => `6730c0d0e0f0a0b0c0d0${hex2(i)}${hex2(j)}`;

/** Midnight UTC of the day `now` falls on: the seed's reviews are the week before it. */
export const reviewAnchor = (now: number) => Math.floor(now / DAY) * DAY;

export interface ReviewContext {
  organizationId: string;
  /** Contacts and staff the conversations go round. */
  contactIds: string[];
  userIds: string[];
  /** Who drafted and reviewed: the demo API key (the Conversations API's actions). */
  actor: { id: string; name: string };
  /** The seed's time; only its UTC day counts. */
  now: number;
}

export interface ReviewRows {
  conversations: Insert<typeof conversations>[];
  messages: Insert<typeof messages>[];
  drafts: Insert<typeof drafts>[];
  draftRevisions: Insert<typeof draftRevisions>[];
}

/** The rows of the review history, as the API would have written them. */
export function demoReviews(context: ReviewContext): ReviewRows {
  const { organizationId, actor } = context;
  const day0 = reviewAnchor(context.now);
  const rows: ReviewRows = { conversations: [], messages: [], drafts: [], draftRevisions: [] };
  const byKey = { actorType: "apiKey" as const, actorId: actor.id, actorName: actor.name };

  REVIEW_SCENARIOS.forEach((s, i) => {
    const [hours, minutes] = s.at.split(":").map(Number) as [number, number];
    const draftedAt = day0 - s.daysAgo * DAY + hours * 3_600_000 + minutes * MINUTE;
    const askedAt = draftedAt - 2 * MINUTE;
    const reviewedAt = s.verdict ? draftedAt + (s.reviewSeconds ?? 60) * 1000 : null;
    const edits = s.edits ?? [];
    const text = edits.at(-1) ?? s.draft;
    const { agentId, pathwayId, promptVersion } = AGENTS[s.agent];
    const conversationId = reviewConversationId(i);
    const messageId = reviewMessageId(i, 1);
    const reply = s.verdict === "Reject" && s.reply && reviewedAt ? s.reply : null;
    const lastAt = reply && reviewedAt ? reviewedAt + MINUTE : (reviewedAt ?? draftedAt);

    rows.conversations.push({
      id: conversationId,
      organizationId,
      contactId: context.contactIds[i % context.contactIds.length] as string,
      userId: context.userIds[i % context.userIds.length] ?? null,
      pathwayId,
      agentId,
      createdAt: askedAt,
      updatedAt: lastAt,
    });
    rows.messages.push(
      {
        id: reviewMessageId(i, 0),
        organizationId,
        conversationId,
        direction: "inbound",
        senderType: "human",
        sent: true,
        message: s.question,
        status: "received",
        createdAt: askedAt,
        updatedAt: askedAt,
      },
      {
        id: messageId,
        organizationId,
        conversationId,
        direction: "outbound",
        senderType: "AI",
        // Approve sends the text as it stands; Reject and pending leave it unsent.
        sent: s.verdict === "Approve",
        message: text,
        status:
          s.verdict === "Approve" ? "approved" : s.verdict === "Reject" ? "rejected" : "pending",
        createdAt: draftedAt,
        updatedAt: reviewedAt ?? draftedAt,
      },
    );
    if (reply && reviewedAt) {
      rows.messages.push({
        id: reviewMessageId(i, 2),
        organizationId,
        conversationId,
        direction: "outbound",
        senderType: "human",
        sent: true,
        message: reply,
        status: "delivered",
        createdAt: reviewedAt + MINUTE,
        updatedAt: reviewedAt + MINUTE,
      });
    }

    const outcome =
      s.verdict === "Reject"
        ? ("rejected" as const)
        : s.verdict === "Approve"
          ? text === s.draft
            ? ("approved" as const)
            : ("edited" as const)
          : null;
    rows.drafts.push({
      messageId,
      organizationId,
      conversationId,
      agentId,
      pathwayId,
      model: modelOf(i),
      promptVersion,
      draft: s.draft,
      final: s.verdict === "Approve" ? text : null,
      outcome,
      reason: s.verdict === "Reject" ? (s.reason ?? null) : null,
      draftedAt,
      reviewedAt,
      reviewMs: reviewedAt === null ? null : reviewedAt - draftedAt,
      editDistance: s.verdict === "Approve" ? editDistance(s.draft, text) : null,
    });

    // Draft, each Edit (spread over the review's first half), then the verdict.
    type Step = Pick<Insert<typeof draftRevisions>, "action" | "message" | "createdAt">;
    const steps: Step[] = [
      { action: "Draft", message: s.draft, createdAt: draftedAt },
      ...edits.map((message, k) => ({
        action: "Edit" as const,
        message,
        createdAt:
          draftedAt +
          Math.round((((reviewedAt ?? draftedAt) - draftedAt) * (k + 1)) / (2 * edits.length)),
      })),
      ...(s.verdict && reviewedAt
        ? [
            {
              action: s.verdict,
              message: s.verdict === "Approve" ? text : null,
              createdAt: reviewedAt,
            },
          ]
        : []),
    ];
    rows.draftRevisions.push(
      ...steps.map((step, revision) => ({
        messageId,
        revision,
        organizationId,
        ...byKey,
        ...step,
      })),
    );
  });
  return rows;
}
