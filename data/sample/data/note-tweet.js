window.YTD.note_tweet.part0 = [
  {
    "noteTweet" : {
      "noteTweetId" : "1871146680711726072",
      "updatedAt" : "2024-12-23T10:51:47.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-12-23T10:51:47.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://www.youtube.com/watch?v=Xjj0pxbWOyv",
            "toIndex" : "380",
            "shortUrl" : "https://t.co/3l6b6LqGrN",
            "displayUrl" : "youtube.com/watch?v=Xjj0px…",
            "fromIndex" : "357"
          }
        ],
        "text" : "The best feedback on backfill previews came from @lenabrandt, who tried it on a real workload.\n\nWhen in doubt, measure. When not in doubt, measure anyway.\n\nDocs beat demos. Demos beat slides. Nobody reads the changelog.\n\nI keep coming back to reading the changelog, embarrassingly as the cheapest fix for rate limiting.\n\nFull write-up with all the numbers: https://t.co/3l6b6LqGrN",
        "mentions" : [
          {
            "screenName" : "lenabrandt",
            "fromIndex" : "49",
            "toIndex" : "60"
          }
        ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1863986531785358664",
      "updatedAt" : "2024-12-03T16:39:55.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-12-03T16:39:55.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "The best feedback on exactly-once sinks came from @kofi_asante, who tried it on a real workload. Docs beat demos. Demos beat slides. Nobody reads the changelog. None of this is new, but it's worth repeating.\n\nIf you're starting out, pick one tool, learn it deeply, then branch out. Write the runbook before you need it, and test it like code.\n\nWhat would you add to the list?",
        "mentions" : [
          {
            "screenName" : "kofi_asante",
            "fromIndex" : "50",
            "toIndex" : "62"
          }
        ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1848700865230546430",
      "updatedAt" : "2024-10-22T12:20:08.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-10-22T12:20:08.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "Docs beat demos. Demos beat slides. Nobody reads the changelog.\n\nThe part nobody tells you is that stream-table joins is mostly about SQLite in production. When in doubt, measure. When not in doubt, measure anyway.\n\nNone of this is new, but it's worth repeating. If you're starting out, pick one tool, learn it deeply, then branch out. Did I miss anything?",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1848314912565505239",
      "updatedAt" : "2024-10-21T10:46:29.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-10-21T10:46:29.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "If you're starting out, pick one tool, learn it deeply, then branch out. Write the runbook before you need it, and test it like code. I've been thinking a lot about connection pooling lately. None of this is new, but it's worth repeating.\n\nMost outages I've seen started as a small watermarks problem that nobody owned. What would you add to the list?",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1847328748957755106",
      "updatedAt" : "2024-10-18T17:27:50.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-10-18T17:27:50.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "I've been thinking a lot about vector search lately. We rebuilt our OpenTelemetry traces guide from scratch this quarter and support tickets dropped by 2%.\n\nMost outages I've seen started as a small time zones problem that nobody owned.\n\nHere's what I've learned after 4 years of doing devrel for data tools.",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1844488202628979593",
      "updatedAt" : "2024-10-10T21:20:31.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-10-10T21:20:31.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "Most outages I've seen started as a small bloom filters problem that nobody owned.\n\nWe rebuilt our rate limiting guide from scratch this quarter and support tickets dropped by 10%. I've been thinking a lot about feature flags lately. When in doubt, measure. When not in doubt, measure anyway.\n\nDocs beat demos. Demos beat slides. Nobody reads the changelog.",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1831417548325580660",
      "updatedAt" : "2024-09-04T19:42:24.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-09-04T19:42:24.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://github.com/tideline-labs/tideline/pull/4518",
            "toIndex" : "405",
            "shortUrl" : "https://t.co/W8dbNMEGxH",
            "displayUrl" : "github.com/tideline-labs/t…",
            "fromIndex" : "382"
          }
        ],
        "text" : "Docs beat demos. Demos beat slides. Nobody reads the changelog. None of this is new, but it's worth repeating. If you're starting out, pick one tool, learn it deeply, then branch out. The part nobody tells you is that event sourcing is mostly about exactly-once delivery. The best feedback on exactly-once sinks came from @farahq, who tried it on a real workload.\n\nSlides and code: https://t.co/W8dbNMEGxH",
        "mentions" : [
          {
            "screenName" : "farahq",
            "fromIndex" : "322",
            "toIndex" : "329"
          }
        ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1830378383349762679",
      "updatedAt" : "2024-09-01T22:53:08.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-09-01T22:53:08.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://lwn.net/Articles/9176/",
            "toIndex" : "396",
            "shortUrl" : "https://t.co/lZGBQ4Ze80",
            "displayUrl" : "lwn.net/Articles/9176",
            "fromIndex" : "373"
          }
        ],
        "text" : "Write the runbook before you need it, and test it like code.\n\nHere's what I've learned after 7 years of doing devrel for data tools.\n\nMost outages I've seen started as a small exactly-once delivery problem that nobody owned. None of this is new, but it's worth repeating.\n\nDocs beat demos. Demos beat slides. Nobody reads the changelog. Full write-up with all the numbers: https://t.co/lZGBQ4Ze80",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1826521326215738056",
      "updatedAt" : "2024-08-22T07:26:33.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-08-22T07:26:33.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "When in doubt, measure. When not in doubt, measure anyway.\n\nI keep coming back to bumping the consumer fetch size as the cheapest fix for event sourcing. Here's what I've learned after 10 years of doing devrel for data tools.\n\nThe best feedback on schema registry support came from @lenabrandt, who tried it on a real workload.",
        "mentions" : [
          {
            "screenName" : "lenabrandt",
            "fromIndex" : "282",
            "toIndex" : "293"
          }
        ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1821808657969032234",
      "updatedAt" : "2024-08-09T07:20:06.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-08-09T07:20:06.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "Here's what I've learned after 12 years of doing devrel for data tools. Write the runbook before you need it, and test it like code. I've been thinking a lot about data contracts lately. We rebuilt our async Python guide from scratch this quarter and support tickets dropped by 90%. The part nobody tells you is that SQLite in production is mostly about cold starts.",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1820957111288439236",
      "updatedAt" : "2024-08-06T22:56:21.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-08-06T22:56:21.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://youtu.be/Sygrki5aJhZ",
            "toIndex" : "56",
            "shortUrl" : "https://t.co/VOlpH6Khne",
            "displayUrl" : "youtu.be/Sygrki5aJhZ",
            "fromIndex" : "33"
          }
        ],
        "text" : "New guide on WAL archiving is up https://t.co/VOlpH6Khne\n\nWhen in doubt, measure. When not in doubt, measure anyway.\n\nWe rebuilt our docs versioning guide from scratch this quarter and support tickets dropped by 3%.\n\nMost outages I've seen started as a small incremental materialized views problem that nobody owned.",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1810353077264720789",
      "updatedAt" : "2024-07-08T16:39:43.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-07-08T16:39:43.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "Most outages I've seen started as a small async Python problem that nobody owned. I keep coming back to bumping the consumer fetch size as the cheapest fix for cold starts. The part nobody tells you is that backpressure is mostly about exactly-once delivery.\n\nI've been thinking a lot about feature flags lately. What would you add to the list?",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1795898270942115744",
      "updatedAt" : "2024-05-29T19:21:28.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-05-29T19:21:28.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://www.postgresql.org/about/news/benchmarks-kafka-windows-duckdb-observability-5789/",
            "toIndex" : "362",
            "shortUrl" : "https://t.co/eLCXxnrWmo",
            "displayUrl" : "postgresql.org/about/news/…",
            "fromIndex" : "339"
          }
        ],
        "text" : "Docs beat demos. Demos beat slides. Nobody reads the changelog.\n\nThe best feedback on schema registry support came from @tessolsen, who tried it on a real workload. We rebuilt our async Python guide from scratch this quarter and support tickets dropped by 5%. Write the runbook before you need it, and test it like code.\n\nSlides and code: https://t.co/eLCXxnrWmo",
        "mentions" : [
          {
            "screenName" : "tessolsen",
            "fromIndex" : "120",
            "toIndex" : "130"
          }
        ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1777092485615384251",
      "updatedAt" : "2024-04-07T21:54:00.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-04-07T21:54:00.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "The part nobody tells you is that retry storms is mostly about backpressure. We rebuilt our late-arriving events guide from scratch this quarter and support tickets dropped by 30%.\n\nI've been thinking a lot about CDC from Postgres lately. Docs beat demos. Demos beat slides. Nobody reads the changelog.",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1773341755193061234",
      "updatedAt" : "2024-03-28T13:29:56.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-03-28T13:29:56.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "None of this is new, but it's worth repeating. The part nobody tells you is that columnar storage is mostly about on-call handoffs.\n\nMost outages I've seen started as a small window functions problem that nobody owned.\n\nWe rebuilt our retry storms guide from scratch this quarter and support tickets dropped by 10%. What would you add to the list?",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1766569498724124193",
      "updatedAt" : "2024-03-09T20:59:24.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-03-09T20:59:24.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://www.postgresql.org/about/news/2024-pipelines-postgres-patterns-6293/",
            "toIndex" : "384",
            "shortUrl" : "https://t.co/GOPZTDsgtN",
            "displayUrl" : "postgresql.org/about/news/…",
            "fromIndex" : "361"
          }
        ],
        "text" : "Here's what I've learned after 10 years of doing devrel for data tools. None of this is new, but it's worth repeating. Most outages I've seen started as a small columnar storage problem that nobody owned. Write the runbook before you need it, and test it like code. When in doubt, measure. When not in doubt, measure anyway. Full write-up with all the numbers: https://t.co/GOPZTDsgtN",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1761699747489196178",
      "updatedAt" : "2024-02-25T10:28:45.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-02-25T10:28:45.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "Most outages I've seen started as a small watermarks problem that nobody owned.\n\nThe part nobody tells you is that stream-table joins is mostly about consumer lag. Here's what I've learned after 2 years of doing devrel for data tools. The best feedback on incremental materialized views came from @chidicodes, who tried it on a real workload.\n\nWhat would you add to the list?",
        "mentions" : [
          {
            "screenName" : "chidicodes",
            "fromIndex" : "297",
            "toIndex" : "308"
          }
        ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1744327929851457215",
      "updatedAt" : "2024-01-08T11:59:21.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-01-08T11:59:21.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://www.youtube.com/watch?v=KQn8ehIkFq3",
            "toIndex" : "365",
            "shortUrl" : "https://t.co/v8F07GPYv2",
            "displayUrl" : "youtube.com/watch?v=KQn8eh…",
            "fromIndex" : "342"
          }
        ],
        "text" : "Most outages I've seen started as a small incremental materialized views problem that nobody owned. Here's what I've learned after 12 years of doing devrel for data tools.\n\nIf you're starting out, pick one tool, learn it deeply, then branch out.\n\nWhen in doubt, measure. When not in doubt, measure anyway. Full write-up with all the numbers: https://t.co/v8F07GPYv2",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1742107353105549130",
      "updatedAt" : "2024-01-02T08:55:34.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2024-01-02T08:55:34.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://www.tideline.dev/blog/tips-benchmarks-duckdb-testing-lessons",
            "toIndex" : "348",
            "shortUrl" : "https://t.co/ZZhqg3pUh8",
            "displayUrl" : "tideline.dev/blog/tips-ben…",
            "fromIndex" : "325"
          }
        ],
        "text" : "If you're starting out, pick one tool, learn it deeply, then branch out. I keep coming back to pinning the client version as the cheapest fix for feature flags.\n\nI've been thinking a lot about stream-table joins lately. Most outages I've seen started as a small connection pooling problem that nobody owned. Slides and code: https://t.co/ZZhqg3pUh8",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1737848343362099395",
      "updatedAt" : "2023-12-21T14:51:47.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-12-21T14:51:47.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://www.tideline.dev/customers/duckdb-latency-sql",
            "toIndex" : "366",
            "shortUrl" : "https://t.co/NhoU4gVaXT",
            "displayUrl" : "tideline.dev/customers/duc…",
            "fromIndex" : "343"
          }
        ],
        "text" : "Docs beat demos. Demos beat slides. Nobody reads the changelog. I've been thinking a lot about idempotent writes lately.\n\nThe part nobody tells you is that consumer lag is mostly about async Python. The best feedback on incremental materialized views came from @martakowal, who tried it on a real workload. Full write-up with all the numbers: https://t.co/NhoU4gVaXT",
        "mentions" : [
          {
            "screenName" : "martakowal",
            "fromIndex" : "261",
            "toIndex" : "272"
          }
        ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1735340417963488107",
      "updatedAt" : "2023-12-14T16:46:11.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-12-14T16:46:11.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "Write the runbook before you need it, and test it like code. If you're starting out, pick one tool, learn it deeply, then branch out. I keep coming back to adding an index on (tenant_id, created_at) as the cheapest fix for flaky tests. The part nobody tells you is that vector search is mostly about window functions. What would you add to the list?",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1731597853034268406",
      "updatedAt" : "2023-12-04T08:54:34.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-12-04T08:54:34.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://docs.python.org/3/library/python.html",
            "toIndex" : "66",
            "shortUrl" : "https://t.co/z5xyMNJSFu",
            "displayUrl" : "docs.python.org/3/library/…",
            "fromIndex" : "43"
          }
        ],
        "text" : "New guide on out-of-order timestamps is up https://t.co/z5xyMNJSFu\n\nMost outages I've seen started as a small schema evolution problem that nobody owned. Docs beat demos. Demos beat slides. Nobody reads the changelog.\n\nHere's what I've learned after 60 years of doing devrel for data tools. Write the runbook before you need it, and test it like code.",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1724934092427122822",
      "updatedAt" : "2023-11-15T23:35:10.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-11-15T23:35:10.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://dev.codewire.co.uk/tutorials/latency-duckdb",
            "toIndex" : "377",
            "shortUrl" : "https://t.co/TWA3BmTsvY",
            "displayUrl" : "dev.codewire.co.uk/tutoria…",
            "fromIndex" : "354"
          }
        ],
        "text" : "None of this is new, but it's worth repeating. Write the runbook before you need it, and test it like code. When in doubt, measure. When not in doubt, measure anyway. The best feedback on schema registry support came from @farahq, who tried it on a real workload. Here's what I've learned after 10 years of doing devrel for data tools.\n\nSlides and code: https://t.co/TWA3BmTsvY",
        "mentions" : [
          {
            "screenName" : "farahq",
            "fromIndex" : "222",
            "toIndex" : "229"
          }
        ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1724015359505558015",
      "updatedAt" : "2023-11-13T10:44:27.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-11-13T10:44:27.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://quarrydb.io/docs/postgres",
            "toIndex" : "56",
            "shortUrl" : "https://t.co/b3tun9TiTE",
            "displayUrl" : "quarrydb.io/docs/postgres",
            "fromIndex" : "33"
          }
        ],
        "text" : "New guide on vector search is up https://t.co/b3tun9TiTE\n\nIf you're starting out, pick one tool, learn it deeply, then branch out. None of this is new, but it's worth repeating. The part nobody tells you is that WAL archiving is mostly about flaky tests. Here's what I've learned after 90 years of doing devrel for data tools.",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1720465568969298386",
      "updatedAt" : "2023-11-03T15:38:51.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-11-03T15:38:51.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://quarrydb.io/docs/postgres",
            "toIndex" : "60",
            "shortUrl" : "https://t.co/dTtjibcytC",
            "displayUrl" : "quarrydb.io/docs/postgres",
            "fromIndex" : "37"
          }
        ],
        "text" : "New guide on idempotent writes is up https://t.co/dTtjibcytC\n\nHere's what I've learned after 7 years of doing devrel for data tools.\n\nThe best feedback on time travel queries came from @beasantos, who tried it on a real workload. Most outages I've seen started as a small incremental backfills problem that nobody owned.",
        "mentions" : [
          {
            "screenName" : "beasantos",
            "fromIndex" : "185",
            "toIndex" : "195"
          }
        ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1718024576652640003",
      "updatedAt" : "2023-10-27T21:59:13.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-10-27T21:59:13.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "I've been thinking a lot about SQLite in production lately.\n\nDocs beat demos. Demos beat slides. Nobody reads the changelog. Most outages I've seen started as a small stream-table joins problem that nobody owned. The best feedback on a Grafana plugin came from @kofi_asante, who tried it on a real workload.",
        "mentions" : [
          {
            "screenName" : "kofi_asante",
            "fromIndex" : "261",
            "toIndex" : "273"
          }
        ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1714559763591062065",
      "updatedAt" : "2023-10-18T08:31:17.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-10-18T08:31:17.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://www.bbc.co.uk/news/technology-54268741",
            "toIndex" : "56",
            "shortUrl" : "https://t.co/t7LQzDqVwg",
            "displayUrl" : "bbc.co.uk/news/technology-…",
            "fromIndex" : "33"
          }
        ],
        "text" : "New guide on bloom filters is up https://t.co/t7LQzDqVwg\n\nIf you're starting out, pick one tool, learn it deeply, then branch out. I keep coming back to turning off autocommit as the cheapest fix for dependency pinning.\n\nWe rebuilt our query planning guide from scratch this quarter and support tickets dropped by 3%.",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1707442766973223105",
      "updatedAt" : "2023-09-28T17:10:53.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-09-28T17:10:53.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "None of this is new, but it's worth repeating. Here's what I've learned after 30 years of doing devrel for data tools.\n\nThe part nobody tells you is that dead letter queues is mostly about stream-table joins. I've been thinking a lot about columnar storage lately.\n\nThe best feedback on a Grafana plugin came from @quarrydb, who tried it on a real workload.",
        "mentions" : [
          {
            "screenName" : "quarrydb",
            "fromIndex" : "314",
            "toIndex" : "323"
          }
        ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1702775914183731714",
      "updatedAt" : "2023-09-15T20:06:28.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-09-15T20:06:28.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "The part nobody tells you is that incremental backfills is mostly about backpressure.\n\nWe rebuilt our columnar storage guide from scratch this quarter and support tickets dropped by 4%.\n\nI've been thinking a lot about vector search lately. When in doubt, measure. When not in doubt, measure anyway.\n\nDid I miss anything?",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1700973204272051731",
      "updatedAt" : "2023-09-10T20:43:09.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-09-10T20:43:09.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://dev.codewire.co.uk/tutorials/intro-python",
            "toIndex" : "387",
            "shortUrl" : "https://t.co/i2BKlFAss3",
            "displayUrl" : "dev.codewire.co.uk/tutoria…",
            "fromIndex" : "364"
          }
        ],
        "text" : "None of this is new, but it's worth repeating. When in doubt, measure. When not in doubt, measure anyway. Here's what I've learned after 20 years of doing devrel for data tools.\n\nI keep coming back to turning off autocommit as the cheapest fix for event sourcing. Docs beat demos. Demos beat slides. Nobody reads the changelog. Full write-up with all the numbers: https://t.co/i2BKlFAss3",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1697010857621358453",
      "updatedAt" : "2023-08-30T22:18:12.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-08-30T22:18:12.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://www.youtube.com/watch?v=xcuZmI2dLzx&t=4192s",
            "toIndex" : "66",
            "shortUrl" : "https://t.co/Qso3HjPHZS",
            "displayUrl" : "youtube.com/watch?v=xcuZmI…",
            "fromIndex" : "43"
          }
        ],
        "text" : "New guide on out-of-order timestamps is up https://t.co/Qso3HjPHZS\n\nThe best feedback on a Grafana plugin came from @julesabara, who tried it on a real workload.\n\nMost outages I've seen started as a small retry storms problem that nobody owned. The part nobody tells you is that SQLite in production is mostly about vector search.",
        "mentions" : [
          {
            "screenName" : "julesabara",
            "fromIndex" : "116",
            "toIndex" : "127"
          }
        ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1696065555133848739",
      "updatedAt" : "2023-08-28T07:41:54.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-08-28T07:41:54.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://www.tideline.dev/blog/latency-tips-windows-joins",
            "toIndex" : "421",
            "shortUrl" : "https://t.co/Fzh3BTYxX0",
            "displayUrl" : "tideline.dev/blog/latency-…",
            "fromIndex" : "398"
          }
        ],
        "text" : "If you're starting out, pick one tool, learn it deeply, then branch out.\n\nWrite the runbook before you need it, and test it like code. When in doubt, measure. When not in doubt, measure anyway. Most outages I've seen started as a small backpressure problem that nobody owned. I keep coming back to a bigger shared_buffers as the cheapest fix for query planning. Full write-up with all the numbers: https://t.co/Fzh3BTYxX0",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1691365190585200279",
      "updatedAt" : "2023-08-15T08:24:20.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-08-15T08:24:20.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://dev.to/elifyildiz/sql-schema-production-duckdb-ccbe",
            "toIndex" : "59",
            "shortUrl" : "https://t.co/JGc8dhcTSc",
            "displayUrl" : "dev.to/elifyildiz/sql-sche…",
            "fromIndex" : "36"
          }
        ],
        "text" : "New guide on on-call handoffs is up https://t.co/JGc8dhcTSc\n\nWrite the runbook before you need it, and test it like code. We rebuilt our partition pruning guide from scratch this quarter and support tickets dropped by 60%.\n\nHere's what I've learned after 30 years of doing devrel for data tools. Most outages I've seen started as a small cardinality explosions problem that nobody owned.",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1675970804703479211",
      "updatedAt" : "2023-07-03T20:52:32.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-07-03T20:52:32.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://www.tideline.dev/blog/python-duckdb-schema",
            "toIndex" : "65",
            "shortUrl" : "https://t.co/ik4gSdJQWM",
            "displayUrl" : "tideline.dev/blog/python-d…",
            "fromIndex" : "42"
          }
        ],
        "text" : "New guide on cardinality explosions is up https://t.co/ik4gSdJQWM\n\nHere's what I've learned after 12 years of doing devrel for data tools. I keep coming back to a 5 minute watermark as the cheapest fix for idempotent writes.\n\nWe rebuilt our OpenTelemetry traces guide from scratch this quarter and support tickets dropped by 20%.",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1673304909475090913",
      "updatedAt" : "2023-06-26T12:19:13.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-06-26T12:19:13.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "Write the runbook before you need it, and test it like code. The part nobody tells you is that dependency pinning is mostly about data contracts. When in doubt, measure. When not in doubt, measure anyway. None of this is new, but it's worth repeating.\n\nWe rebuilt our exactly-once delivery guide from scratch this quarter and support tickets dropped by 12%.",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1660543490008750611",
      "updatedAt" : "2023-05-22T07:09:54.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-05-22T07:09:54.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://bit.ly/LlQ5jd",
            "toIndex" : "400",
            "shortUrl" : "https://t.co/raUwKUC47q",
            "displayUrl" : "bit.ly/LlQ5jd",
            "fromIndex" : "377"
          }
        ],
        "text" : "Write the runbook before you need it, and test it like code. Here's what I've learned after 40 years of doing devrel for data tools.\n\nNone of this is new, but it's worth repeating.\n\nWe rebuilt our on-call handoffs guide from scratch this quarter and support tickets dropped by 7%. I've been thinking a lot about late-arriving events lately. Full write-up with all the numbers: https://t.co/raUwKUC47q",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1652977949842028596",
      "updatedAt" : "2023-05-01T10:07:08.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2023-05-01T10:07:08.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://www.youtube.com/watch?v=BPl7IgTGGG2&t=7279s",
            "toIndex" : "390",
            "shortUrl" : "https://t.co/AAeap7pCVR",
            "displayUrl" : "youtube.com/watch?v=BPl7Ig…",
            "fromIndex" : "367"
          }
        ],
        "text" : "If you're starting out, pick one tool, learn it deeply, then branch out.\n\nI've been thinking a lot about async Python lately. Most outages I've seen started as a small data contracts problem that nobody owned.\n\nHere's what I've learned after 3 years of doing devrel for data tools.\n\nNone of this is new, but it's worth repeating.\n\nFull write-up with all the numbers: https://t.co/AAeap7pCVR",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  }
]