window.YTD.account.part0 = [
  {
    "account" : {
      "email" : "maren.okafor@example.com",
      "createdVia" : "web",
      "username" : "marenbuilds",
      "accountId" : "386771514",
      "createdAt" : "2011-09-14T08:21:37.000Z",
      "accountDisplayName" : "Maren Okafor 🌊"
    }
  }
]