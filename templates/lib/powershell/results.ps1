function Add-RemediateTaskResult {
    # A task's entry in the result (REMEDIATE-RESULT), added to the list and returned for the task to fill in.
    param([string] $Id, [string] $Policy, [string] $Name)
    $script:Current = [ordered]@{ id = $Id; policy = $Policy; name = $Name; changed = $false; failed = $false;
                                  before = $null; after = $null; message = '' }
    [void]$script:Results.Add($script:Current)
    return $script:Current
}
