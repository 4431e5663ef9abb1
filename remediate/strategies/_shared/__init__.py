"""What several strategies share: the judging base class, common changes, cautions."""
