"""Demo posts for a local Kiji, written for this project (all text original)."""

CATEGORIES = [
    {"name": "日記", "slug": "diary", "description": "日々のこと。"},
    {"name": "Books", "slug": "books", "description": "Reading notes, long and short."},
    {"name": "Technology", "slug": "technology", "description": "The web, old and new."},
    {"name": "料理", "slug": "food", "description": "台所からの記録。"},
]

# days_ago: how long before "now" the post was published (negative: scheduled).
POSTS = [
    {
        "slug": "welcome-to-kiji",
        "title": "Kiji へようこそ",
        "category": "diary",
        "tags": ["お知らせ", "kiji"],
        "days_ago": 160,
        "body": (
            "このブログは **Kiji** で動いています。長い文章を書いて、その下で読者と"
            "ゆっくり話すための道具です。\n\n"
            "コメントはすべて承認制です。送っていただいたコメントは、筆者が確認してから"
            "表示されます。メールアドレスが公開されることはありません。\n\n"
            "トラックバックも受け付けています。記事の下にある TrackBack URL を"
            "お使いください。"
        ),
    },
    {
        "slug": "why-i-still-write-long-posts",
        "title": "Why I still write long posts",
        "category": "books",
        "tags": ["writing", "kiji"],
        "days_ago": 130,
        "body": (
            "A short post is a note to yourself that happens to be public. A long post is a "
            "letter: it has a reader in mind, it takes a position, and it leaves room for a "
            "reply.\n\n"
            "The replies are why I keep a blog rather than a feed of fragments. The best "
            "comment I ever received was three paragraphs long and began with *I think you "
            "are wrong about the second point*. It was right.\n\n"
            "So this blog keeps the old shape: posts with a beginning and an end, comments "
            "that a person reads before they appear, and TrackBack for the blogs that answer "
            "at length on their own pages."
        ),
    },
    {
        "slug": "kyoto-secondhand-books",
        "title": "京都の古本屋を歩く",
        "category": "books",
        "tags": ["京都", "古本", "散歩"],
        "days_ago": 95,
        "body": (
            "寺町通りを北へ歩くと、間口の狭い古本屋がいくつも並んでいる。店先の百円均一の"
            "棚には、昭和の文庫本や、誰かが線を引いた教科書が無造作に差してある。\n\n"
            "今日見つけたのは、戦後すぐに出た随筆集の初版だった。奥付の日付は昭和二十三年。"
            "紙は黄ばんでいるが、活字はくっきりしている。\n\n"
            "## 買った本\n\n"
            "- 随筆集(初版、函なし)\n"
            "- 京都の地図帳(一九六〇年代)\n"
            "- 料理の本を一冊。これは次の記事で。"
        ),
    },
    {
        "slug": "moving-an-old-blog",
        "title": "Moving a 2004 blog without losing a comment",
        "category": "technology",
        "tags": ["migration", "movable-type", "kiji"],
        "days_ago": 70,
        "body": (
            "My first blog lived on a hosted service that no longer exists. What survived is a "
            "single text file in the Movable Type export format: every post, every comment, "
            "every TrackBack ping, separated by lines of dashes.\n\n"
            "The file is in EUC-JP, because that is what Japanese blogs used in 2004. Most "
            "importers assume UTF-8 and turn it into question marks. Kiji reads the bytes as "
            "they are, works out the encoding and keeps the old addresses working with "
            "permanent redirects.\n\n"
            "```\nAUTHOR: me\nTITLE: hello\nDATE: 09/01/2004 10:00:00 AM\n-----\nBODY:\n"
            "first post\n--------\n```"
        ),
    },
    {
        "slug": "tsuyu-reading-list",
        "title": "梅雨の読書リスト",
        "category": "books",
        "tags": ["読書", "古本"],
        "days_ago": 45,
        "body": (
            "雨の日が続くので、積んであった本を崩すことにした。\n\n"
            "1. 分厚い歴史小説(三冊組)\n"
            "2. 台所についての随筆\n"
            "3. 英語のペーパーバックを一冊、辞書を引きながら\n\n"
            "読み終えたら、それぞれ感想を書くつもりです。おすすめがあれば、コメントで"
            "教えてください。"
        ),
    },
    {
        "slug": "trackback-twenty-years-later",
        "title": "Notes on TrackBack, twenty years later",
        "category": "technology",
        "tags": ["trackback", "web"],
        "days_ago": 20,
        "body": (
            "TrackBack is a tiny protocol: one form-encoded POST that says *I wrote about your "
            "post, here is my URL*. It was spammed nearly to death, and most blogs turned it "
            "off.\n\n"
            "The idea still holds up. Kiji receives TrackBack, Pingback and Webmention, checks "
            "that the other page really links here, and puts every ping in the same "
            "moderation queue as comments. Nothing appears until the author says so."
        ),
    },
    {
        "slug": "nukadoko-one-year",
        "title": "ぬか床の一年",
        "category": "food",
        "tags": ["漬物", "台所"],
        "days_ago": 3,
        "body": (
            "ぬか床を始めて一年になった。最初の夏は毎日かき混ぜるのを忘れて、表面が白く"
            "なってしまった。\n\n"
            "今はきゅうりなら半日、大根なら一日半がちょうどいい。冬はほとんど寝かせておく。"
            "\n\n"
            "> 手をかけすぎず、放っておきすぎず。\n\n"
            "祖母の言葉だが、ブログにも当てはまる気がする。"
        ),
    },
    {
        "slug": "draft-next-post",
        "title": "下書き: 秋の旅の計画",
        "category": "diary",
        "tags": [],
        "days_ago": 1,
        "status": "draft",
        "body": "まだ書きかけ。読者には見えない下書きです。",
    },
    {
        "slug": "scheduled-new-year",
        "title": "A post scheduled for later",
        "category": "diary",
        "tags": [],
        "days_ago": -30,
        "body": "This post is scheduled: readers will see it once its publish date comes.",
    },
]

# Demo comments: (post slug, status, hours after the post was published).
# Names, addresses and text are invented for the demo; example.* domains only.
COMMENTS = [
    {
        "post": "welcome-to-kiji",
        "status": "approved",
        "hours": 5,
        "name": "山田 花子",
        "email": "hanako@example.jp",
        "url": "https://hanako.example.jp/",
        "text": "開設おめでとうございます。\n承認制なのは安心できますね。これから読みに来ます。",
    },
    {
        "post": "welcome-to-kiji",
        "status": "approved",
        "hours": 30,
        "name": "Tom",
        "email": "tom@example.com",
        "url": "",
        "text": "Congratulations on the new home. The feed works in my reader, by the way.",
    },
    {
        "post": "why-i-still-write-long-posts",
        "status": "approved",
        "hours": 8,
        "name": "Margaret",
        "email": "margaret@example.org",
        "url": "https://margaret.example.org/notes",
        "text": (
            "I agree about letters. A long post gives me something to push against.\n\n"
            "I wrote a reply on my own blog: https://margaret.example.org/notes/letters"
        ),
    },
    {
        "post": "why-i-still-write-long-posts",
        "status": "pending",
        "hours": 50,
        "name": "Ken",
        "email": "ken@example.net",
        "url": "",
        "text": "Isn't a long post just a short post that nobody edited? Half serious question.",
    },
    {
        "post": "kyoto-secondhand-books",
        "status": "approved",
        "hours": 12,
        "name": "古書好き",
        "email": "koshozuki@example.jp",
        "url": "",
        "text": (
            "寺町通りのあの店、まだあるんですね。\n\n"
            "学生のころ、百円均一の棚で全集の端本を集めていました。"
        ),
    },
    {
        "post": "kyoto-secondhand-books",
        "status": "pending",
        "hours": 40,
        "name": "佐藤",
        "email": "sato@example.jp",
        "url": "",
        "text": "出町柳のほうにも良い店がありますよ。今度ぜひ。",
    },
    {
        "post": "kyoto-secondhand-books",
        "status": "spam",
        "reason": "Blocked word: cheap",
        "hours": 41,
        "name": "Best Deals",
        "email": "deals@spam.example",
        "url": "https://spam.example/deals",
        "text": "cheap watches cheap bags https://spam.example/1 https://spam.example/2",
    },
    {
        "post": "nukadoko-one-year",
        "status": "approved",
        "hours": 20,
        "name": "Aiko",
        "email": "aiko@example.com",
        "url": "",
        "text": "A year! Mine lasted three weeks before I forgot it during a trip.",
    },
    {
        "post": "nukadoko-one-year",
        "status": "spam",
        "reason": "The hidden field was filled in (honeypot)",
        "hours": 22,
        "name": "seo-helper",
        "email": "bot@spam.example",
        "url": "https://spam.example/",
        "text": "Great post! Visit my site for more great posts.",
    },
]

# Demo pings (TrackBack, Pingback, Webmention) received by the posts, with their moderation state.
TRACKBACKS = [
    {
        "post": "kyoto-secondhand-books",
        "kind": "trackback",
        "status": "approved",
        "verification": "links_here",
        "hours": 26,
        "url": "https://tabi.example.jp/archives/000123.html",
        "title": "京都の古本屋めぐり・寺町編",
        "blog_name": "旅とカメラ",
        "excerpt": "先日の記事で紹介されていた古書店に行ってきました。百円均一の棚は健在です。",
    },
    {
        "post": "why-i-still-write-long-posts",
        "kind": "pingback",
        "status": "approved",
        "verification": "links_here",
        "hours": 9,
        "url": "https://margaret.example.org/notes/letters",
        "title": "Letters, and the long post",
        "blog_name": "margaret.example.org",
        "excerpt": "[…] a long post gives me something to push against, as Kiji's author says […]",
    },
    {
        "post": "welcome-to-kiji",
        "kind": "webmention",
        "status": "pending",
        "verification": "links_here",
        "hours": 48,
        "url": "https://tom.example.com/2024/new-blogs",
        "title": "New blogs I am reading",
        "blog_name": "tom.example.com",
        "excerpt": "[…] a fresh Kiji install with working feeds […]",
    },
    {
        "post": "kyoto-secondhand-books",
        "kind": "trackback",
        "status": "pending",
        "verification": "waiting",
        "hours": 60,
        "url": "http://furuhon.example.jp/blog/2004/09/post_12.html",
        "title": "出町柳の古書店",
        "blog_name": "古本日記",
        "excerpt": "出町柳にも良い店があります。",
    },
    {
        "post": "nukadoko-one-year",
        "kind": "trackback",
        "status": "spam",
        "verification": "no_link",
        "hours": 70,
        "url": "http://cheap-pickle-jars.example/best-deals",
        "title": "BEST pickle jars 2026, 90% off",
        "blog_name": "Deals Deals Deals",
        "excerpt": "Great post!!! Visit our shop for the cheapest jars online, free shipping.",
    },
]
