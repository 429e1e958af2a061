// A fediverse server built on Fedify, on 127.0.0.1, for tests/fediverse/interop/test_fedify.py.
//
// One Person actor, "alice", with an RSA key (HTTP Signatures) and an Ed25519 key, as
// Fedify's own examples set them up. Fedify does all the ActivityPub work: WebFinger
// lookups, signing what alice sends, verifying what her inbox receives. The test drives
// it through a small JSON control API under /_control/ on the same server:
//
//   POST /_control/lookup   {"id": url}                          fetch an object (a signed GET)
//   POST /_control/nodeinfo {"url": url}                         NodeInfo, parsed strictly
//   POST /_control/follow   {"handle": "@blog@127.0.0.1:8443"}   WebFinger, then Follow
//   POST /_control/reply    {"inReplyTo": url, "content": html}  Create(Note)
//   POST /_control/update   {"object": id, "content": html}      Update(Note) of a reply
//   POST /_control/like     {"object": url}                      Like
//   POST /_control/announce {"object": url}                      Announce (a boost)
//   POST /_control/undo     {"activity": id}                     Undo one of alice's activities
//   POST /_control/delete   {"object": id}                       Delete(Tombstone) of a Note
//   GET  /_control/received                                      what alice's inboxes accepted
//
// Every send goes out at once (no queue), so a control call answers after the other
// server answered; a refused delivery answers 502 with Fedify's error.
//
// Usage: node peer.mjs [--port N] [--authorized-fetch]   (port 0, the default, picks a free
// port; --authorized-fetch answers alice's actor document to signed requests only). The first line
// on stdout is {"url": "http://127.0.0.1:N"} once the server listens.

import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { parseArgs } from "node:util";

import {
  Activity,
  Announce,
  Create,
  createFederation,
  Delete,
  Endpoints,
  Follow,
  generateCryptoKeyPair,
  Like,
  MemoryKvStore,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Tombstone,
  Undo,
  Update,
} from "@fedify/fedify";
import { configure, getConsoleSink } from "@logtape/logtape";

const HOST = "127.0.0.1";
const USER = "alice";
const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    // Mastodon's secure mode: alice's actor document only to signed requests.
    "authorized-fetch": { type: "boolean", default: false },
  },
});

// Fedify's warnings and errors (a refused signature, a document it cannot parse) go to
// stderr, which the test keeps in the peer's log.
const toStderr = { ...console, debug: console.error, info: console.error, log: console.error };
await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { console: getConsoleSink({ console: toStderr }) },
  loggers: [
    {
      category: "fedify",
      sinks: ["console"],
      lowestLevel: process.env.PEER_LOG_LEVEL ?? "warning",
    },
    { category: ["logtape", "meta"], sinks: ["console"], lowestLevel: "warning" },
  ],
});

const federation = createFederation({
  kv: new MemoryKvStore(),
  // The blog under test is on 127.0.0.1; Fedify refuses private addresses by default.
  allowPrivateAddress: true,
});

const keyPairs = [
  await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"),
  await generateCryptoKeyPair("Ed25519"),
];
const notes = new Map(); // id -> Note that alice wrote
const sent = new Map(); // id -> Activity that alice sent (for Undo)
const followed = new Map(); // actor id -> the Actor object alice follows
const received = []; // what alice's inboxes accepted, with the key that signed it
const inboxCall = new AsyncLocalStorage();

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== USER) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Alice Fedify",
      url: new URL(`/@${identifier}`, ctx.origin),
      inbox: ctx.getInboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((pair) => pair.multikey),
    });
  })
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === USER ? keyPairs : []))
  .authorize((_ctx, _identifier, signedKey) => !args["authorized-fetch"] || signedKey != null);

federation.setFollowersDispatcher("/users/{identifier}/followers", () => ({ items: [] }));

federation.setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (ctx, values) => {
  const note = notes.get(ctx.getObjectUri(Note, values).href);
  return note ?? null;
});

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Activity, async (ctx, activity) => {
    const object = await activity.getObject();
    received.push({
      type: activity.constructor.name,
      id: activity.id?.href ?? null,
      actor: activity.actorId?.href ?? null,
      objectType: object?.constructor.name ?? null,
      object: object == null ? null : await object.toJsonLd({ format: "compact" }),
      activity: await activity.toJsonLd({ format: "compact" }),
      recipient: ctx.recipient,
      // The key Fedify verified the request's HTTP signature with (see handle() below).
      signedBy: inboxCall.getStore()?.keyId ?? null,
    });
  });

function alice(ctx) {
  return ctx.getActorUri(USER);
}

async function send(ctx, recipient, activity) {
  sent.set(activity.id.href, activity);
  await ctx.sendActivity({ identifier: USER }, recipient, activity);
  return activity.id.href;
}

function recipientOf(body) {
  const target = followed.get(body.recipient) ?? [...followed.values()][0];
  if (target == null) throw new Error("alice follows nobody yet");
  return target;
}

const control = {
  async lookup(ctx, body) {
    // Signed as alice, as servers in "authorized fetch" mode fetch.
    const documentLoader = await ctx.getDocumentLoader({ identifier: USER });
    const object = await ctx.lookupObject(body.id, { documentLoader });
    return {
      type: object?.constructor.name ?? null,
      object: object == null ? null : await object.toJsonLd({ format: "compact" }),
    };
  },

  async nodeinfo(ctx, body) {
    const info = await ctx.lookupNodeInfo(body.url, { parse: "strict" });
    const plain = (_key, value) => (value instanceof URL ? value.href : value);
    return info == null ? null : JSON.parse(JSON.stringify(info, plain));
  },

  async follow(ctx, body) {
    const actor = await ctx.lookupObject(body.handle);
    if (actor == null || actor.inboxId == null) throw new Error(`cannot find ${body.handle}`);
    followed.set(actor.id.href, actor);
    const follow = new Follow({
      id: new URL(`/follows/${randomUUID()}`, ctx.origin),
      actor: alice(ctx),
      object: actor.id,
      to: actor.id,
    });
    await send(ctx, actor, follow);
    return {
      follow: follow.id.href,
      actor: {
        id: actor.id.href,
        type: actor.constructor.name,
        preferredUsername: actor.preferredUsername?.toString() ?? null,
        name: actor.name?.toString() ?? null,
        inbox: actor.inboxId.href,
        sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
      },
    };
  },

  async reply(ctx, body) {
    const target = recipientOf(body);
    const id = new URL(`/users/${USER}/notes/${randomUUID()}`, ctx.origin);
    const note = new Note({
      id,
      attribution: alice(ctx),
      content: body.content,
      replyTarget: new URL(body.inReplyTo),
      to: PUBLIC_COLLECTION,
      cc: target.id,
    });
    notes.set(id.href, note);
    const create = new Create({
      id: new URL(`${id.href}#create`),
      actor: alice(ctx),
      object: note,
      to: PUBLIC_COLLECTION,
      cc: target.id,
    });
    return { note: id.href, activity: await send(ctx, target, create) };
  },

  async update(ctx, body) {
    const note = notes.get(body.object);
    if (note == null) throw new Error(`alice has no note ${body.object}`);
    const edited = note.clone({ content: body.content });
    notes.set(body.object, edited);
    const target = recipientOf(body);
    const update = new Update({
      id: new URL(`${body.object}#update-${randomUUID()}`),
      actor: alice(ctx),
      object: edited,
      to: PUBLIC_COLLECTION,
      cc: target.id,
    });
    return { activity: await send(ctx, target, update) };
  },

  async like(ctx, body) {
    const like = new Like({
      id: new URL(`/likes/${randomUUID()}`, ctx.origin),
      actor: alice(ctx),
      object: new URL(body.object),
    });
    return { activity: await send(ctx, recipientOf(body), like) };
  },

  async announce(ctx, body) {
    const target = recipientOf(body);
    const announce = new Announce({
      id: new URL(`/announces/${randomUUID()}`, ctx.origin),
      actor: alice(ctx),
      object: new URL(body.object),
      to: PUBLIC_COLLECTION,
      ccs: [target.id, ctx.getFollowersUri(USER)],
    });
    return { activity: await send(ctx, target, announce) };
  },

  async undo(ctx, body) {
    const original = sent.get(body.activity);
    if (original == null) throw new Error(`alice did not send ${body.activity}`);
    const undo = new Undo({
      id: new URL(`/undos/${randomUUID()}`, ctx.origin),
      actor: alice(ctx),
      object: original,
    });
    return { activity: await send(ctx, recipientOf(body), undo) };
  },

  async delete(ctx, body) {
    if (!notes.delete(body.object)) throw new Error(`alice has no note ${body.object}`);
    const del = new Delete({
      id: new URL(`${body.object}#delete`),
      actor: alice(ctx),
      object: new Tombstone({ id: new URL(body.object) }),
      to: PUBLIC_COLLECTION,
    });
    return { activity: await send(ctx, recipientOf(body), del) };
  },
};

function json(status, value) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

async function handle(request) {
  const url = new URL(request.url);
  if (url.pathname === "/_control/received" && request.method === "GET") {
    return json(200, received);
  }
  const command = url.pathname.startsWith("/_control/") ? url.pathname.slice(10) : null;
  if (command != null) {
    if (request.method !== "POST" || !Object.hasOwn(control, command)) {
      return json(404, { error: "no such command" });
    }
    const ctx = federation.createContext(request, undefined);
    try {
      return json(200, await control[command](ctx, await request.json()));
    } catch (error) {
      return json(502, { error: String(error?.stack ?? error) });
    }
  }
  let keyId = null;
  if (request.method === "POST") {
    // Verify the signature once more, by Fedify's own verifier, to record whose key it was.
    const key = await federation.createContext(request.clone(), undefined).getSignedKey();
    keyId = key?.id?.href ?? null;
  }
  return inboxCall.run({ keyId }, () => federation.fetch(request, { contextData: undefined }));
}

// node:http <-> fetch Request/Response.
const server = createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = chunks.length ? Buffer.concat(chunks) : null;
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const { port } = server.address();
    const request = new Request(`http://${HOST}:${port}${req.url}`, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? null : body,
    });
    const response = await handle(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    res.writeHead(500, { "Content-Type": "text/plain" });
    res.end(String(error?.stack ?? error));
  }
});

server.listen(Number(args.port), HOST, () => {
  const { port } = server.address();
  process.stdout.write(`${JSON.stringify({ url: `http://${HOST}:${port}` })}\n`);
});
